package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.FakeUpstream;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.ollama.FakeOllama;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /v1/responses} on an open gateway, against fake upstreams of every kind: the Response object
 * and its event stream, tools across turns with {@code previous_response_id}, structured output, the
 * fields the gateway refuses, and the stored responses' own routes.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponsesApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi openai = new FakeOpenAi();
  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic("sk-ant-resp");
  @RegisterExtension static final FakeOllama ollama = new FakeOllama("llama3.2:latest");
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.providers.oa { kind = openai, openai.base-url = "%s" }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%s", api-key-env = "K" } }
        switchboard.providers.local { kind = ollama, ollama.base-url = "%s" }
        switchboard.models {
          gpt { provider = oa, upstream-model = gpt-4o }
          via-anthropic { provider = claude, upstream-model = claude-sonnet-4-5 }
          via-ollama { provider = local, upstream-model = llama3.2 }
        }
        """.formatted(openai.baseUrl(), anthropic.baseUrl(), ollama.baseUrl()), Map.of("K", "sk-ant-resp"));
  }

  static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }

  private JsonNode create(String body) {
    HttpResponse<String> response = gateway.post("/v1/responses", body);
    assertEquals(200, response.statusCode(), response.body());
    return json(response.body());
  }

  /** The events of a streamed response: each {@code event:} name with its data. */
  record Event(String name, JsonNode data) {}

  static List<Event> events(InputStream body) throws IOException {
    List<Event> events = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String name = null;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.startsWith("event: ")) name = line.substring(7);
        if (line.startsWith("data: ")) events.add(new Event(name, json(line.substring(6))));
      }
    }
    return events;
  }

  @Test
  void plainRequest_isAResponseObject_translatedToOneChatCall() {
    JsonNode response = create("""
        {"model":"gpt","instructions":"Be brief.","input":"Say hello","max_output_tokens":50,"temperature":0.2,
         "metadata":{"team":"a"}}""");

    assertTrue(response.path("id").asText().startsWith("resp_"), response.toString());
    assertEquals("response", response.path("object").asText());
    assertEquals("completed", response.path("status").asText());
    assertTrue(response.path("created_at").asLong() > 1_700_000_000L, response.toString());
    assertEquals("gpt-4o", response.path("model").asText(), "the model that answered");
    assertEquals("Be brief.", response.path("instructions").asText());
    assertEquals(50, response.path("max_output_tokens").asInt());
    assertEquals("a", response.path("metadata").path("team").asText());
    assertTrue(response.path("store").asBoolean());
    assertTrue(response.path("previous_response_id").isNull());
    JsonNode output = response.path("output");
    assertEquals(1, output.size(), output.toString());
    JsonNode message = output.get(0);
    assertEquals("message", message.path("type").asText());
    assertEquals("assistant", message.path("role").asText());
    assertEquals("completed", message.path("status").asText());
    assertTrue(message.path("id").asText().startsWith("msg_"));
    assertEquals("output_text", message.path("content").get(0).path("type").asText());
    assertEquals(FakeOpenAi.CONTENT, message.path("content").get(0).path("text").asText());
    JsonNode usage = response.path("usage");
    assertEquals(19, usage.path("input_tokens").asInt());
    assertEquals(10, usage.path("output_tokens").asInt());
    assertEquals(29, usage.path("total_tokens").asInt());
    assertEquals(0, usage.path("input_tokens_details").path("cached_tokens").asInt());
    assertEquals(0, usage.path("output_tokens_details").path("reasoning_tokens").asInt());

    JsonNode sent = openai.received().get(0).json();
    assertEquals("/v1/chat/completions", openai.received().get(0).path());
    assertEquals("gpt-4o", sent.path("model").asText());
    assertEquals(2, sent.path("messages").size(), sent.toString());
    assertEquals("system", sent.path("messages").get(0).path("role").asText());
    assertEquals("Be brief.", sent.path("messages").get(0).path("content").asText());
    assertEquals("Say hello", sent.path("messages").get(1).path("content").asText());
    assertEquals(50, sent.path("max_completion_tokens").asInt());
    assertEquals(0.2, sent.path("temperature").asDouble());
    assertFalse(sent.has("metadata") || sent.has("store") || sent.has("input"), sent.toString());
  }

  @Test
  void streamedRequest_emitsTheDocumentedEventSequence_numberedFromZero() throws IOException {
    HttpResponse<InputStream> response = gateway.postStreaming("/v1/responses",
        "{\"model\":\"gpt\",\"input\":\"Say hello\",\"stream\":true}");

    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    List<Event> events = events(response.body());
    List<String> names = events.stream().map(Event::name).toList();
    assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.delta", "response.output_text.done", "response.content_part.done",
        "response.output_item.done", "response.completed"), names);
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i, events.get(i).data().path("sequence_number").asInt(), events.get(i).toString());
      assertEquals(events.get(i).name(), events.get(i).data().path("type").asText());
    }
    assertEquals("in_progress", events.get(0).data().path("response").path("status").asText());
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> e.name().equals("response.output_text.delta"))
        .forEach(e -> text.append(e.data().path("delta").asText()));
    assertEquals(FakeOpenAi.CONTENT, text.toString());
    JsonNode completed = events.get(events.size() - 1).data().path("response");
    assertEquals("completed", completed.path("status").asText());
    assertEquals(FakeOpenAi.CONTENT, completed.path("output").get(0).path("content").get(0).path("text").asText());
    assertEquals(22, completed.path("usage").path("total_tokens").asInt(), "from the usage chunk asked for");
    assertTrue(openai.received().get(0).json().path("stream_options").path("include_usage").asBoolean());

    HttpResponse<String> stored = gateway.get("/v1/responses/" + completed.path("id").asText());
    assertEquals(200, stored.statusCode(), stored.body());
    assertEquals(completed, json(stored.body()), "a streamed response is stored as it completed");
  }

  @Test
  void streamCutShort_endsWithErrorAndResponseFailed() throws IOException {
    openai.answer(openai.cutBeforeFinish());

    List<Event> events = events(gateway.postStreaming("/v1/responses",
        "{\"model\":\"gpt\",\"input\":\"Say hello\",\"stream\":true}").body());

    List<String> names = events.stream().map(Event::name).toList();
    assertEquals("error", names.get(names.size() - 2), names.toString());
    assertEquals("response.failed", names.get(names.size() - 1));
    assertEquals("failed", events.get(events.size() - 1).data().path("response").path("status").asText());
    assertEquals("upstream_reset",
        events.get(events.size() - 1).data().path("response").path("error").path("code").asText());
    String id = events.get(0).data().path("response").path("id").asText();
    assertEquals(404, gateway.get("/v1/responses/" + id).statusCode(), "a failed response is not stored");
  }

  @Test
  void functionTool_roundTrip_continuesWithPreviousResponseId() {
    FakeUpstream.Answer<FakeOpenAi.Received> toolCall = FakeUpstream.rawOk("""
        {"id":"chatcmpl-t","object":"chat.completion","created":1741569952,"model":"gpt-4o",
         "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
           "tool_calls":[{"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]}}],
         "usage":{"prompt_tokens":30,"completion_tokens":12,"total_tokens":42}}""");
    // The tool's call first; once the tool's output is in the conversation, the documented text answer.
    openai.answer(r -> r.body().utf8String().contains("\"tool\"") ? openai.documented(r) : toolCall.apply(r));
    JsonNode first = create("""
        {"model":"gpt","instructions":"Use tools.","input":[{"role":"user","content":"Weather in Paris?"}],
         "tools":[{"type":"function","name":"get_weather","description":"Weather of a city",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
         "tool_choice":"auto"}""");

    JsonNode call = first.path("output").get(0);
    assertEquals("function_call", call.path("type").asText(), first.toString());
    assertEquals("call_abc", call.path("call_id").asText());
    assertEquals("get_weather", call.path("name").asText());
    assertEquals("{\"city\":\"Paris\"}", call.path("arguments").asText());
    assertTrue(call.path("id").asText().startsWith("fc_"));
    JsonNode sentTools = openai.received().get(0).json().path("tools");
    assertEquals("get_weather", sentTools.get(0).path("function").path("name").asText(), sentTools.toString());
    assertEquals("object", sentTools.get(0).path("function").path("parameters").path("type").asText());

    JsonNode second = create("""
        {"model":"gpt","previous_response_id":"%s",
         "input":[{"type":"function_call_output","call_id":"call_abc","output":"18 C and sunny"}]}"""
        .formatted(first.path("id").asText()));

    assertEquals(first.path("id").asText(), second.path("previous_response_id").asText());
    assertEquals(FakeOpenAi.CONTENT, second.path("output").get(0).path("content").get(0).path("text").asText());
    JsonNode messages = openai.received().get(1).json().path("messages");
    assertEquals(3, messages.size(), "instructions are not carried over: " + messages);
    assertEquals("user", messages.get(0).path("role").asText());
    assertEquals("Weather in Paris?", messages.get(0).path("content").asText());
    assertEquals("assistant", messages.get(1).path("role").asText());
    assertEquals("call_abc", messages.get(1).path("tool_calls").get(0).path("id").asText());
    assertEquals("get_weather", messages.get(1).path("tool_calls").get(0).path("function").path("name").asText());
    assertEquals("tool", messages.get(2).path("role").asText());
    assertEquals("call_abc", messages.get(2).path("tool_call_id").asText());
    assertEquals("18 C and sunny", messages.get(2).path("content").asText());
  }

  @Test
  void streamedToolCall_emitsFunctionCallArgumentEvents() throws IOException {
    String head = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",";
    openai.answer(FakeOpenAi.events(
        head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
            + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n",
        head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},"
            + "\"finish_reason\":null}]}\n\n",
        head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},"
            + "\"finish_reason\":null}]}\n\n",
        head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
        head + "\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":12,\"total_tokens\":42}}\n\n",
        "data: [DONE]\n\n"));

    List<Event> events = events(gateway.postStreaming("/v1/responses", """
        {"model":"gpt","input":"Weather in Paris?","stream":true,
         "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]}""").body());

    assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
        "response.function_call_arguments.delta", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done", "response.completed"),
        events.stream().map(Event::name).toList());
    JsonNode added = events.get(2).data().path("item");
    assertEquals("function_call", added.path("type").asText());
    assertEquals("call_1", added.path("call_id").asText());
    assertEquals("{\"city\":\"Paris\"}", events.get(5).data().path("arguments").asText());
    JsonNode output = events.get(7).data().path("response").path("output");
    assertEquals("{\"city\":\"Paris\"}", output.get(0).path("arguments").asText());
    assertEquals(42, events.get(7).data().path("response").path("usage").path("total_tokens").asInt());
  }

  @Test
  void jsonSchemaTextFormat_isSentAsResponseFormat_andEchoed() {
    JsonNode response = create("""
        {"model":"gpt","input":"A colour","text":{"format":{"type":"json_schema","name":"colour","strict":true,
         "schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"additionalProperties":false}}}}""");

    JsonNode format = openai.received().get(0).json().path("response_format");
    assertEquals("json_schema", format.path("type").asText(), format.toString());
    assertEquals("colour", format.path("json_schema").path("name").asText());
    assertTrue(format.path("json_schema").path("strict").asBoolean());
    assertEquals("object", format.path("json_schema").path("schema").path("type").asText());
    assertEquals("json_schema", response.path("text").path("format").path("type").asText());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"tools\":[{\"type\":\"web_search\"}]                  | tools[0].type",
      "\"tools\":[{\"type\":\"file_search\",\"vector_store_ids\":[\"vs\"]}] | tools[0].type",
      "\"background\":true                                     | background",
      "\"include\":[\"message.output_text.logprobs\"]          | include",
      "\"reasoning\":{\"summary\":\"auto\"}                    | reasoning.summary",
      "\"truncation\":\"auto\"                                 | truncation",
      "\"conversation\":\"conv_1\"                             | conversation",
      "\"text\":{\"verbosity\":\"low\"}                        | text.verbosity",
      "\"tool_choice\":{\"type\":\"web_search_preview\"}       | tool_choice",
      "\"colour\":\"blue\"                                     | colour",
      "\"temperature\":\"hot\"                                 | temperature"})
  void unsupportedOrInvalidFields_are400NamingThem_andNothingIsSent(String field, String param) {
    HttpResponse<String> response = gateway.post("/v1/responses",
        "{\"model\":\"gpt\",\"input\":\"Hi\"," + field + "}");

    assertEquals(400, response.statusCode(), response.body());
    JsonNode error = json(response.body()).path("error");
    assertEquals("invalid_request_error", error.path("type").asText());
    assertEquals(param, error.path("param").asText(), response.body());
    assertTrue(openai.received().isEmpty(), "nothing reaches the upstream");
  }

  @Test
  void inputItemOfAnUnsupportedType_is400NamingIt() {
    HttpResponse<String> response = gateway.post("/v1/responses",
        "{\"model\":\"gpt\",\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}");

    assertEquals(400, response.statusCode(), response.body());
    assertEquals("input[0].type", json(response.body()).path("error").path("param").asText());
  }

  @Test
  void unknownPreviousResponse_is404NamingIt() {
    HttpResponse<String> response = gateway.post("/v1/responses",
        "{\"model\":\"gpt\",\"input\":\"Hi\",\"previous_response_id\":\"resp_nothing\"}");

    assertEquals(404, response.statusCode(), response.body());
    JsonNode error = json(response.body()).path("error");
    assertEquals("previous_response_id", error.path("param").asText());
    assertEquals("response_not_found", error.path("code").asText());
    assertTrue(openai.received().isEmpty());
  }

  @Test
  void storedResponse_isRead_listedAndDeleted() {
    JsonNode response = create("""
        {"model":"switchboard-sim","input":[{"role":"user","content":"One"},{"role":"user","content":"Two"},
         {"role":"user","content":[{"type":"input_text","text":"Three"}]}]}""");
    String id = response.path("id").asText();

    HttpResponse<String> read = gateway.get("/v1/responses/" + id);
    assertEquals(200, read.statusCode(), read.body());
    assertEquals(response, json(read.body()));

    JsonNode page = json(gateway.get("/v1/responses/" + id + "/input_items?limit=2").body());
    assertEquals("list", page.path("object").asText(), page.toString());
    assertEquals(2, page.path("data").size());
    assertEquals("Three", page.path("data").get(0).path("content").get(0).path("text").asText(), "newest first");
    assertEquals("input_text", page.path("data").get(1).path("content").get(0).path("type").asText());
    assertTrue(page.path("has_more").asBoolean());
    assertEquals(page.path("data").get(0).path("id").asText(), page.path("first_id").asText());
    JsonNode rest = json(gateway.get("/v1/responses/" + id + "/input_items?limit=2&after="
        + page.path("last_id").asText()).body());
    assertEquals("One", rest.path("data").get(0).path("content").get(0).path("text").asText());
    assertFalse(rest.path("has_more").asBoolean());

    HttpResponse<String> deleted = gateway.send(gateway.request("/v1/responses/" + id).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, deleted.statusCode(), deleted.body());
    assertEquals(json("{\"id\":\"" + id + "\",\"object\":\"response\",\"deleted\":true}"), json(deleted.body()));
    assertEquals(404, gateway.get("/v1/responses/" + id).statusCode());
    assertEquals(404, gateway.get("/v1/responses/" + id + "/input_items").statusCode());
  }

  @Test
  void storeFalse_isNotKept() {
    JsonNode response = create("{\"model\":\"switchboard-sim\",\"input\":\"Hi\",\"store\":false}");

    assertFalse(response.path("store").asBoolean());
    HttpResponse<String> read = gateway.get("/v1/responses/" + response.path("id").asText());
    assertEquals(404, read.statusCode(), read.body());
    assertEquals("invalid_request_error", json(read.body()).path("error").path("type").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"switchboard-sim", "gpt", "via-anthropic", "via-ollama"})
  void everyUpstreamKind_answersTheSameShape_plainAndStreamed(String model) throws IOException {
    JsonNode response = create("{\"model\":\"" + model + "\",\"instructions\":\"Be brief.\",\"input\":\"Say hello\","
        + "\"max_output_tokens\":64}");

    assertEquals("completed", response.path("status").asText(), response.toString());
    JsonNode part = response.path("output").get(0).path("content").get(0);
    assertEquals("output_text", part.path("type").asText(), response.toString());
    assertFalse(part.path("text").asText().isEmpty());
    assertTrue(response.path("usage").path("input_tokens").asInt() > 0, response.toString());
    assertTrue(response.path("usage").path("output_tokens").asInt() > 0, response.toString());

    List<Event> events = events(gateway.postStreaming("/v1/responses", "{\"model\":\"" + model
        + "\",\"input\":\"Say hello\",\"max_output_tokens\":64,\"stream\":true}").body());
    Event last = events.get(events.size() - 1);
    assertEquals("response.completed", last.name(), events.toString());
    assertTrue(events.stream().anyMatch(e -> e.name().equals("response.output_text.delta")), model);
    assertTrue(last.data().path("response").path("usage").path("output_tokens").asInt() > 0, last.toString());
  }
}
