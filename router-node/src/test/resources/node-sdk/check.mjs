// What the official OpenAI and Anthropic Node SDKs, unmodified, see of a Switchboard gateway.
//
// Run by io.switchboard.sdk.NodeSdkTest after `npm ci` in a copy of this folder:
//
//   BASE_URL=http://127.0.0.1:8080 API_KEY=sk-sb-... OPENAI_MODELS=switchboard-sim,gpt \
//   ANTHROPIC_MODELS=claude,gpt MISSING_MODEL=no-such-model node check.mjs
//
// It calls the gateway the way an SDK user does, records what each call gave back (texts, stop
// reasons, usage, the class and status of each error) and prints it as ONE JSON object on stdout.
// A call that fails unexpectedly is recorded as {"failed": {...}}: the test asserts, this script only
// observes. It exits 0 unless it crashed itself.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { VERSION as OPENAI_VERSION } from 'openai/version';
import { VERSION as ANTHROPIC_VERSION } from '@anthropic-ai/sdk/version';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`set the environment variable ${name}`);
  return value;
}

const baseUrl = required('BASE_URL').replace(/\/+$/, '');
const apiKey = required('API_KEY');
const badKey = process.env.BAD_API_KEY || 'sk-sb-this-key-does-not-exist-0000000000000000';
const openAiModels = required('OPENAI_MODELS').split(',');
const anthropicModels = required('ANTHROPIC_MODELS').split(',');
const missingModel = process.env.MISSING_MODEL || 'no-such-model';

// No retries: a retried call would hide the first answer, which is what is being checked.
const options = { maxRetries: 0, timeout: 20_000 };
const openai = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, ...options });
const anthropic = new Anthropic({ baseURL: baseUrl, apiKey, ...options });

const chat = (model) => ({ model, messages: [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello' },
] });
const message = (model) => ({ model, max_tokens: 64, system: 'Be brief.', messages: [
  { role: 'user', content: 'Hello' },
] });

/** The SDK's own error classes, most specific first: what an `instanceof` in user code matches. */
function sdkClass(error, sdk) {
  const classes = ['NotFoundError', 'AuthenticationError', 'PermissionDeniedError', 'RateLimitError',
    'BadRequestError', 'UnprocessableEntityError', 'ConflictError', 'InternalServerError',
    'APIConnectionTimeoutError', 'APIConnectionError', 'APIUserAbortError', 'APIError'];
  return classes.find((name) => typeof sdk[name] === 'function' && error instanceof sdk[name]) ?? null;
}

function described(error, sdk) {
  return {
    sdkClass: sdkClass(error, sdk),
    // The class's own name: OpenAI's SDK leaves `error.name` as 'Error'.
    name: error?.constructor?.name ?? null,
    status: error?.status ?? null,
    type: error?.type ?? error?.error?.type ?? null,
    code: error?.code ?? null,
    requestId: error?.requestID ?? null,
    message: String(error?.message ?? error),
  };
}

/** Runs one observation; an error it did not expect is recorded, not thrown. */
async function observe(sdk, action) {
  try {
    return await action();
  } catch (error) {
    return { failed: described(error, sdk) };
  }
}

/** Runs a call that should fail: what it failed with, or that it answered instead. */
async function refused(sdk, action) {
  try {
    await action();
    return { answered: true };
  } catch (error) {
    return described(error, sdk);
  }
}

const openAiUsage = (u) => u && ({ prompt: u.prompt_tokens, completion: u.completion_tokens, total: u.total_tokens });
const anthropicUsage = (u) => u && ({ input: u.input_tokens, output: u.output_tokens });
const textOf = (m) => m.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

async function openAiModel(model) {
  return {
    plain: await observe(OpenAI, async () => {
      const c = await openai.chat.completions.create(chat(model));
      return { object: c.object, model: c.model, role: c.choices[0].message.role, text: c.choices[0].message.content,
        finishReason: c.choices[0].finish_reason, usage: openAiUsage(c.usage), requestId: c._request_id ?? null };
    }),
    streamed: await observe(OpenAI, async () => {
      const stream = await openai.chat.completions.create({ ...chat(model), stream: true,
        stream_options: { include_usage: true } });
      let text = '', finishReason = null, usage = null, usageChunkChoices = null, chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        for (const choice of chunk.choices) {
          text += choice.delta?.content ?? '';
          finishReason = choice.finish_reason ?? finishReason;
        }
        if (chunk.usage) {
          usage = openAiUsage(chunk.usage);
          usageChunkChoices = chunk.choices.length;
        }
      }
      return { chunks, text, finishReason, usage, usageChunkChoices };
    }),
    // The SDK's stream helper, which rebuilds the whole completion from the chunks.
    helper: await observe(OpenAI, async () => {
      const final = await openai.chat.completions.stream({ ...chat(model), stream_options: { include_usage: true } })
        .finalChatCompletion();
      return { text: final.choices[0].message.content, finishReason: final.choices[0].finish_reason,
        usage: openAiUsage(final.usage) };
    }),
  };
}

async function anthropicModel(model) {
  return {
    plain: await observe(Anthropic, async () => {
      const m = await anthropic.messages.create(message(model));
      return { type: m.type, role: m.role, model: m.model, text: textOf(m), stopReason: m.stop_reason,
        usage: anthropicUsage(m.usage), requestId: m._request_id ?? null };
    }),
    // The SDK's stream helper: text events as they come, and the message it rebuilds from the events.
    streamed: await observe(Anthropic, async () => {
      const stream = anthropic.messages.stream(message(model));
      let deltas = '';
      stream.on('text', (delta) => { deltas += delta; });
      const m = await stream.finalMessage();
      return { deltas, text: textOf(m), stopReason: m.stop_reason, usage: anthropicUsage(m.usage) };
    }),
    // The raw events, as `create({stream: true})` yields them.
    events: await observe(Anthropic, async () => {
      const stream = await anthropic.messages.create({ ...message(model), stream: true });
      const types = [];
      let text = '', stopReason = null, input = null, output = null;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'message_start') input = event.message.usage.input_tokens;
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
        if (event.type === 'message_delta') {
          stopReason = event.delta.stop_reason;
          output = event.usage.output_tokens;
        }
      }
      return { types: [...new Set(types)], first: types[0], last: types.at(-1), text, stopReason,
        usage: { startInput: input, output } };
    }),
    countTokens: await observe(Anthropic, async () => {
      const { system, messages } = message(model);
      return (await anthropic.messages.countTokens({ model, system, messages })).input_tokens;
    }),
  };
}

const unauthorizedOpenAi = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: badKey, ...options });
const unauthorizedAnthropic = new Anthropic({ baseURL: baseUrl, apiKey: badKey, ...options });

const observed = {
  versions: { node: process.version, openai: OPENAI_VERSION, anthropic: ANTHROPIC_VERSION },
  openai: { models: {}, errors: {} },
  anthropic: { models: {}, errors: {} },
};
for (const model of openAiModels) observed.openai.models[model] = await openAiModel(model);
for (const model of anthropicModels) observed.anthropic.models[model] = await anthropicModel(model);
// The SDK asks for base64 unless told otherwise, and decodes it; `float` asks for numbers.
observed.openai.embeddings = await observe(OpenAI, async () => {
  const asked = { model: openAiModels[0], dimensions: 8 };
  const both = await openai.embeddings.create({ ...asked, input: ['The food was delicious', 'The waiter was rude'] });
  const again = await openai.embeddings.create({ ...asked, input: 'The food was delicious' });
  const floats = await openai.embeddings.create({ ...asked, input: 'The food was delicious', encoding_format: 'float' });
  return { object: both.object, lengths: both.data.map((d) => d.embedding.length),
    indexes: both.data.map((d) => d.index), first: both.data[0].embedding, second: both.data[1].embedding,
    again: again.data[0].embedding, floats: floats.data[0].embedding,
    usage: { prompt: both.usage.prompt_tokens, total: both.usage.total_tokens } };
});
// Every model, one per page: the SDK's auto-pagination follows has_more and last_id.
observed.anthropic.listed = await observe(Anthropic, async () => {
  const listed = [];
  for await (const m of anthropic.models.list({ limit: 1 })) {
    listed.push({ type: m.type, id: m.id, displayName: m.display_name, createdAt: m.created_at });
  }
  return listed;
});

observed.openai.errors = {
  unknownModel: await refused(OpenAI, () => openai.chat.completions.create(chat(missingModel))),
  unknownModelStreamed: await refused(OpenAI, () => openai.chat.completions.create({ ...chat(missingModel),
    stream: true })),
  badKey: await refused(OpenAI, () => unauthorizedOpenAi.chat.completions.create(chat(openAiModels[0]))),
};
observed.anthropic.errors = {
  unknownModel: await refused(Anthropic, () => anthropic.messages.create(message(missingModel))),
  unknownModelStreamed: await refused(Anthropic, () => anthropic.messages.stream(message(missingModel))
    .finalMessage()),
  unknownModelCounted: await refused(Anthropic, () => anthropic.messages.countTokens({ model: missingModel,
    messages: message(missingModel).messages })),
  badKey: await refused(Anthropic, () => unauthorizedAnthropic.messages.create(message(anthropicModels[0]))),
};

process.stdout.write(JSON.stringify(observed) + '\n');
