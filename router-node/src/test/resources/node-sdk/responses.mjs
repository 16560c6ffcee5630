// What the official OpenAI Node SDK, unmodified, sees of a Switchboard gateway's Responses API.
//
// Run by io.switchboard.sdk.NodeSdkResponsesTest after `npm ci` in a copy of this folder:
//
//   BASE_URL=http://127.0.0.1:8080 API_KEY=sk-sb-... TEXT_MODEL=gpt TOOL_MODEL=claude node responses.mjs
//
// Like check.mjs it only observes: it prints ONE JSON object of what each call gave back (a call that
// fails unexpectedly is recorded as {"failed": {...}}) and exits 0 unless it crashed itself.
import OpenAI from 'openai';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`set the environment variable ${name}`);
  return value;
}

const baseUrl = required('BASE_URL').replace(/\/+$/, '');
const textModel = required('TEXT_MODEL');
const toolModel = required('TOOL_MODEL');
const openai = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: required('API_KEY'), maxRetries: 0, timeout: 20_000 });

const described = (error) => ({
  sdkClass: ['NotFoundError', 'BadRequestError', 'AuthenticationError', 'APIError']
    .find((name) => error instanceof OpenAI[name]) ?? null,
  status: error?.status ?? null,
  param: error?.param ?? null,
  code: error?.code ?? null,
  message: String(error?.message ?? error),
});

async function observe(action) {
  try {
    return await action();
  } catch (error) {
    return { failed: described(error) };
  }
}

async function refused(action) {
  try {
    await action();
    return { answered: true };
  } catch (error) {
    return described(error);
  }
}

const usage = (u) => u && ({ input: u.input_tokens, output: u.output_tokens, total: u.total_tokens });
const weather = { type: 'function', name: 'get_weather', description: 'Weather of a city', strict: false,
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

const observed = {};

observed.plain = await observe(async () => {
  const r = await openai.responses.create({ model: textModel, instructions: 'Be brief.', input: 'Hello' });
  const again = await openai.responses.retrieve(r.id);
  const items = [];
  for await (const item of openai.responses.inputItems.list(r.id)) items.push(item.type);
  await openai.responses.delete(r.id);
  const afterDelete = await refused(() => openai.responses.retrieve(r.id));
  return { id: r.id, object: r.object, status: r.status, text: r.output_text, usage: usage(r.usage),
    retrievedId: again.id, inputItems: items, afterDelete };
});

observed.streamed = await observe(async () => {
  const stream = await openai.responses.create({ model: textModel, input: 'Hello', stream: true });
  const types = [];
  const sequence = [];
  let text = '', completed = null;
  for await (const event of stream) {
    types.push(event.type);
    sequence.push(event.sequence_number);
    if (event.type === 'response.output_text.delta') text += event.delta;
    if (event.type === 'response.completed') completed = event.response;
  }
  return { types, sequence, text, status: completed?.status ?? null, usage: usage(completed?.usage) };
});

// The SDK's stream helper, which rebuilds the whole response from the events.
observed.helper = await observe(async () => {
  const final = await openai.responses.stream({ model: textModel, input: 'Hello' }).finalResponse();
  return { text: final.output_text, status: final.status, usage: usage(final.usage) };
});

observed.tools = await observe(async () => {
  const first = await openai.responses.create({ model: toolModel, input: 'Weather in Paris and Tokyo?',
    tools: [weather] });
  const calls = first.output.filter((item) => item.type === 'function_call');
  const second = await openai.responses.create({ model: toolModel, previous_response_id: first.id, tools: [weather],
    input: calls.map((call) => ({ type: 'function_call_output', call_id: call.call_id, output: '18C' })) });
  return { callIds: calls.map((call) => call.call_id), names: calls.map((call) => call.name),
    arguments: calls.map((call) => JSON.parse(call.arguments)), text: second.output_text,
    previous: second.previous_response_id, firstId: first.id };
});

observed.errors = {
  builtInTool: await refused(() => openai.responses.create({ model: textModel, input: 'News?',
    tools: [{ type: 'web_search' }] })),
  unknownPrevious: await refused(() => openai.responses.create({ model: textModel, input: 'Hi',
    previous_response_id: 'resp_unknown' })),
};

process.stdout.write(JSON.stringify(observed) + '\n');
