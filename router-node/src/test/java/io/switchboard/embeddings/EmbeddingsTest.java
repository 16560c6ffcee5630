package io.switchboard.embeddings;

import static io.switchboard.keys.KeyRequests.assertError;
import static io.switchboard.keys.KeyRequests.createKey;
import static io.switchboard.keys.KeyRequests.getWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.EmbeddingList;
import io.switchboard.provider.ollama.FakeOllama;
import io.switchboard.provider.openai.FakeOpenAi;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /v1/embeddings} end to end: the simulated provider's deterministic vectors, an OpenAI
 * upstream's {@code /embeddings} and an Ollama server's {@code /api/embed} (in-process fakes answering
 * as documented), the request forms OpenAI documents, the refusals (400s naming the field), and the
 * machinery every call goes through: the key's usage record and budget, the provider's TPM limit.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddingsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi openai = new FakeOpenAi();
  @RegisterExtension static final FakeOllama ollama = new FakeOllama("all-minilm");
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;
  private String key;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.auth.mode = keys
        switchboard.usage.flush-interval = 50ms
        switchboard.provider-defaults { retries.max-attempts = 1 }
        switchboard.providers.simulated.simulated { latency = 0s }
        switchboard.providers.oai { kind = openai, openai { base-url = "%1$s", api-key-env = "OAI" } }
        switchboard.providers.small { kind = openai, embeddings.max-inputs = 2, openai { base-url = "%1$s" } }
        switchboard.providers.tight { kind = openai, limits { tokens-per-minute = 12, learn-from-headers = false },
                                      queue.max-wait = 100ms, openai { base-url = "%1$s" } }
        switchboard.providers.local { kind = ollama, ollama { base-url = "%2$s" } }
        switchboard.models {
          embed { provider = oai, upstream-model = "text-embedding-3-small", capabilities = [embeddings] }
          priced-embed { provider = oai, upstream-model = "text-embedding-3-small", capabilities = [embeddings],
                         input-price-per-million = 1000, output-price-per-million = 1000000 }
          small-embed { provider = small, upstream-model = "text-embedding-3-small", capabilities = [embeddings] }
          tight-embed { provider = tight, upstream-model = "text-embedding-3-small", capabilities = [embeddings] }
          local-embed { provider = local, upstream-model = "all-minilm", capabilities = [embeddings] }
          short-embed { provider = simulated, upstream-model = "sim-embed", capabilities = [embeddings], context-window = 4 }
          chat { provider = simulated, upstream-model = "gpt-4o" }
          fallback-embed { capabilities = [embeddings], deployments = [
            { provider = oai, upstream-model = "text-embedding-3-small" },
            { provider = simulated, upstream-model = "sim-embed" } ] }
        }
        """.formatted(openai.baseUrl(), ollama.baseUrl()), Map.of("OAI", "sk-openai-embeddings"));
    key = createKey(gateway, "{\"name\":\"embedder\"}").path("key").asText();
  }

  private HttpResponse<String> embed(String secret, String body) {
    return gateway.send(gateway.request("/v1/embeddings").header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + secret).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode ok(HttpResponse<String> response) throws Exception {
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  private static float[] floats(JsonNode embedding) {
    float[] vector = new float[embedding.size()];
    for (int i = 0; i < vector.length; i++) vector[i] = embedding.get(i).floatValue();
    return vector;
  }

  @Test
  void simulated_sameInputSameVector_differentInputDifferentVector_inOpenAisShape() throws Exception {
    HttpResponse<String> response = embed(key,
        "{\"model\":\"switchboard-sim\",\"input\":[\"The food was delicious\",\"The waiter was rude\"]}");
    JsonNode first = ok(response);
    JsonNode again = ok(embed(key, "{\"model\":\"switchboard-sim\",\"input\":\"The food was delicious\"}"));

    assertEquals("list", first.path("object").asText());
    assertEquals(2, first.path("data").size());
    for (int i = 0; i < 2; i++) {
      assertEquals("embedding", first.path("data").get(i).path("object").asText());
      assertEquals(i, first.path("data").get(i).path("index").asInt());
      assertEquals(1536, first.path("data").get(i).path("embedding").size());
    }
    float[] food = floats(first.path("data").get(0).path("embedding"));
    assertArrayEquals(food, floats(again.path("data").get(0).path("embedding")), "same input, same vector");
    assertFalse(java.util.Arrays.equals(food, floats(first.path("data").get(1).path("embedding"))));
    double norm = 0;
    for (float v : food) norm += v * v;
    assertEquals(1.0, norm, 1e-3, "a unit vector");
    assertEquals("switchboard-sim-1", first.path("model").asText());
    assertTrue(first.path("usage").path("prompt_tokens").asInt() > 0, first.path("usage").toString());
    assertEquals(first.path("usage").path("prompt_tokens").asInt(), first.path("usage").path("total_tokens").asInt());
    assertEquals("true", response.headers().firstValue("x-switchboard-simulated").orElse(null));
  }

  @Test
  void simulated_honoursDimensions_andBase64IsTheSameFloatsLittleEndian() throws Exception {
    JsonNode floats = ok(embed(key, "{\"model\":\"switchboard-sim\",\"input\":\"hi\",\"dimensions\":8}"));
    JsonNode base64 = ok(embed(key,
        "{\"model\":\"switchboard-sim\",\"input\":\"hi\",\"dimensions\":8,\"encoding_format\":\"base64\"}"));

    assertEquals(8, floats.path("data").get(0).path("embedding").size());
    assertTrue(base64.path("data").get(0).path("embedding").isTextual());
    assertArrayEquals(floats(floats.path("data").get(0).path("embedding")),
        EmbeddingList.fromBase64(base64.path("data").get(0).path("embedding").asText()));
  }

  @Test
  void simulated_takesTokenArrays_oneOrMany() throws Exception {
    JsonNode one = ok(embed(key, "{\"model\":\"switchboard-sim\",\"input\":[1212,318,257],\"dimensions\":4}"));
    JsonNode many = ok(embed(key,
        "{\"model\":\"switchboard-sim\",\"input\":[[1212,318,257],[9906]],\"dimensions\":4}"));

    assertEquals(1, one.path("data").size());
    assertEquals(2, many.path("data").size());
    assertArrayEquals(floats(one.path("data").get(0).path("embedding")),
        floats(many.path("data").get(0).path("embedding")));
    assertEquals(3, one.path("usage").path("prompt_tokens").asInt(), "a token array counts its length");
  }

  @Test
  void openAiUpstream_getsItsDocumentedRequest_andItsVectorsAndUsageComeBack() throws Exception {
    JsonNode answer = ok(embed(key, "{\"model\":\"embed\",\"input\":[\"alpha\",\"beta\",\"gamma\"],"
        + "\"dimensions\":2,\"encoding_format\":\"base64\",\"user\":\"u-42\",\"ignored_field\":1}"));

    FakeOpenAi.Received sent = openai.received().get(0);
    assertEquals("/v1/embeddings", sent.path());
    assertEquals("Bearer sk-openai-embeddings", sent.authorization());
    JsonNode body = sent.json();
    assertEquals("text-embedding-3-small", body.path("model").asText());
    assertEquals("[\"alpha\",\"beta\",\"gamma\"]", body.path("input").toString());
    assertEquals(2, body.path("dimensions").asInt());
    assertEquals("u-42", body.path("user").asText());
    assertEquals("float", body.path("encoding_format").asText(), "the gateway encodes base64 itself");
    assertEquals(3, answer.path("data").size());
    for (int i = 0; i < 3; i++) {
      float[] vector = EmbeddingList.fromBase64(answer.path("data").get(i).path("embedding").asText());
      assertEquals(2, vector.length);
      assertEquals(i + 1, vector[0], 0f, "in input order");
    }
    assertEquals(3 * FakeOpenAi.EMBEDDING_TOKENS_PER_INPUT, answer.path("usage").path("prompt_tokens").asInt());
    assertEquals("text-embedding-3-small", answer.path("model").asText());
  }

  @Test
  void openAiUpstream_wrongNumberOfVectors_isA502_notGarbage() {
    openai.answer(FakeOpenAi.rawOk("{\"object\":\"list\",\"data\":[],\"model\":\"m\"}"));

    HttpResponse<String> response = embed(key, "{\"model\":\"embed\",\"input\":\"alpha\"}");

    assertEquals(502, response.statusCode(), response.body());
    assertTrue(response.body().contains("0 embeddings for 1 inputs"), response.body());
  }

  @Test
  void upstreamFailure_fallsBackToTheNextDeployment_whichServes() throws Exception {
    openai.answer(FakeOpenAi.status(500, FakeOpenAi.envelope("The server had an error", "server_error")));

    HttpResponse<String> response = embed(key, "{\"model\":\"fallback-embed\",\"input\":\"alpha\",\"dimensions\":4}");

    JsonNode answer = ok(response);
    assertEquals(1, openai.received().size(), "the first deployment was tried once");
    assertEquals("simulated/sim-embed", response.headers().firstValue("x-switchboard-deployment").orElse(null));
    assertEquals(4, answer.path("data").get(0).path("embedding").size());
  }

  @Test
  void ollama_isSentApiEmbed_andAnsweredInOpenAisShape() throws Exception {
    JsonNode answer = ok(embed(key, "{\"model\":\"local-embed\",\"input\":[\"alpha\",\"beta\"]}"));

    FakeOllama.Received sent = ollama.received().get(0);
    assertEquals("/api/embed", sent.path());
    assertEquals("all-minilm", sent.json().path("model").asText());
    assertEquals("[\"alpha\",\"beta\"]", sent.json().path("input").toString());
    assertEquals(2, answer.path("data").size());
    assertEquals(2f, floats(answer.path("data").get(1).path("embedding"))[0], 0f);
    assertEquals(2 * FakeOllama.EMBED_TOKENS_PER_INPUT, answer.path("usage").path("prompt_tokens").asInt(),
        "Ollama's prompt_eval_count");
  }

  @Test
  void ollama_refusesTokenArrays_withA400_beforeCallingIt() {
    assertError(embed(key, "{\"model\":\"local-embed\",\"input\":[1,2,3]}"), 400, "unsupported_input");
    assertTrue(ollama.received().isEmpty());
  }

  @Test
  void refusals_name_theFieldAndWhatToDo() {
    assertError(embed(key, "{\"model\":\"chat\",\"input\":\"x\"}"), 400, "model_not_embeddings");
    assertError(embed(key, "{\"model\":\"no-such-model\",\"input\":\"x\"}"), 404, "model_not_found");
    assertError(embed(key, "{\"model\":\"embed\"}"), 400, "invalid_value");
    assertError(embed(key, "{\"input\":\"x\"}"), 400, "invalid_value");
    assertError(embed(key, "{\"model\":\"embed\",\"input\":\"\"}"), 400, "invalid_value");
    assertError(embed(key, "{\"model\":\"embed\",\"input\":[]}"), 400, "invalid_value");
    assertError(embed(key, "{\"model\":\"embed\",\"input\":[\"a\",[1,2]]}"), 400, "invalid_value");
    assertError(embed(key, "{\"model\":\"embed\",\"input\":\"a\",\"encoding_format\":\"int8\"}"), 400, "invalid_value");
    assertError(embed(key, "{\"model\":\"embed\",\"input\":\"a\",\"dimensions\":0}"), 400, "invalid_value");
    assertError(embed(key, "{not json"), 400, "invalid_json");
    assertError(embed("sk-not-a-key", "{\"model\":\"embed\",\"input\":\"x\"}"), 401, "invalid_api_key");
    assertTrue(openai.received().isEmpty(), "no refused request reached the upstream");
  }

  @Test
  void batchLargerThanTheProvidersMaximum_isRefused400_notSplit() {
    HttpResponse<String> refused = embed(key, "{\"model\":\"small-embed\",\"input\":[\"a\",\"b\",\"c\"]}");

    assertError(refused, 400, "too_many_inputs");
    assertTrue(refused.body().contains("at most 2"), refused.body());
    assertTrue(openai.received().isEmpty());
    assertEquals(200, embed(key, "{\"model\":\"small-embed\",\"input\":[\"a\",\"b\"]}").statusCode());
  }

  @Test
  void inputLongerThanTheContextWindow_isRefused400_namingTheInput() {
    HttpResponse<String> refused = embed(key,
        "{\"model\":\"short-embed\",\"input\":[\"ok\",\"this input is far longer than four tokens\"]}");

    assertError(refused, 400, "context_length_exceeded");
    assertTrue(refused.body().contains("Input 1"), refused.body());
  }

  @Test
  void usage_isRecordedWithPromptTokensOnly_andTheKeysBudgetIsCharged() throws Exception {
    // $1000 per million input tokens: each call reports 5 tokens, $0.005; a budget of $0.011 pays for two.
    String secret = createKey(gateway, "{\"name\":\"budgeted\",\"budget_usd\":0.011}").path("key").asText();
    assertEquals(200, embed(secret, "{\"model\":\"priced-embed\",\"input\":\"hello world\"}").statusCode());
    assertEquals(200, embed(secret, "{\"model\":\"priced-embed\",\"input\":\"hello world\"}").statusCode());

    assertError(embed(secret, "{\"model\":\"priced-embed\",\"input\":\"hello world\"}"), 429, "insufficient_quota");
    assertEquals(2, openai.received().size(), "the refused call never reached the upstream");
    gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      HttpResponse<String> usage = getWith(gateway, "/v1/usage?group_by=model,deployment", "x-api-key", secret);
      JsonNode row = JSON.readTree(usage.body()).path("data").get(0);
      assertEquals("priced-embed", row.path("model").asText(), usage.body());
      assertEquals("oai/text-embedding-3-small", row.path("deployment").asText());
      assertEquals(2, row.path("requests").asLong());
      assertEquals(2 * FakeOpenAi.EMBEDDING_TOKENS_PER_INPUT, row.path("prompt_tokens").asLong());
      assertEquals(0, row.path("completion_tokens").asLong());
      assertEquals(0, new BigDecimal("0.010").compareTo(row.path("cost_usd").decimalValue()), row.toString());
      return null;
    });
  }

  @Test
  void tpmLimitedProvider_admitsWhatFits_andRefusesWhatWouldOverrunIt() {
    String eightTokens = "{\"model\":\"tight-embed\",\"input\":\"one two three four five six seven eight\"}";

    assertEquals(200, embed(key, eightTokens).statusCode());
    HttpResponse<String> refused = embed(key, eightTokens);

    assertEquals(429, refused.statusCode(), refused.body());
    assertTrue(refused.headers().firstValue("retry-after").isPresent(), refused.headers().toString());
    assertEquals(1, openai.received().size(), "the upstream never saw its limit exceeded");
  }

  @Test
  void catalog_listsEmbeddingModels_byCapability() throws Exception {
    JsonNode listed = JSON.readTree(getWith(gateway, "/v1/models?capability=embeddings", "x-api-key", key).body());

    java.util.List<String> ids = new java.util.ArrayList<>();
    listed.path("data").forEach(model -> ids.add(model.path("id").asText()));
    assertTrue(ids.contains("switchboard-sim") && ids.contains("embed"), ids.toString());
    assertFalse(ids.contains("chat"), ids.toString());
    assertNotEquals(0, ids.size());
  }
}
