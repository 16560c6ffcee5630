package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /v1/models} as a catalog: prices, context windows and capabilities from the
 * configuration, filters, search, sorting, one model by name, and availability that follows each
 * deployment's circuit breakers (its provider's and its model's).
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelCatalogTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The simulated provider, and "broken", whose every call fails and whose breakers open after one failure
   * and stay open for the whole test; one attempt per request.
   */
  static final String BROKEN_PROVIDER = """
      switchboard.provider-defaults.retries.max-attempts = 1
      switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0 }
      switchboard.providers.broken {
        kind = simulated
        simulated { latency = 0s, error-rate = 1.0 }
        breaker { consecutive-failures = 1, reset-timeout = 10m, max-reset-timeout = 10m }
      }
      """;

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    // Three providers (simulated, so no upstream is needed): "broken" fails every call, and its breaker
    // opens after one failure and stays open for the whole test.
    gateway = gateways.start(BROKEN_PROVIDER + """
        switchboard.providers.cheap { kind = simulated, simulated { latency = 0s, tokens-per-second = 0 } }
        switchboard.models = null
        switchboard.models {
          gpt-4o {
            provider = simulated, upstream-model = "gpt-4o-2024-08-06", context-window = 128000
            max-output-tokens = 16384, input-price-per-million = 2.50, output-price-per-million = 10
            capabilities = [tools, json, vision, streaming]
          }
          gpt-4o-mini {
            provider = cheap, upstream-model = "gpt-4o-mini", context-window = 128000
            input-price-per-million = 0.15, output-price-per-million = 0.60, capabilities = [tools, json, streaming]
          }
          claude-sonnet {
            deployments = [
              { provider = broken, upstream-model = "claude-sonnet-4-5", context-window = 200000,
                input-price-per-million = 3, output-price-per-million = 15, capabilities = [tools, vision, streaming] }
              { provider = cheap, upstream-model = "claude-fallback", context-window = 100000 }
            ]
          }
          llama-local { provider = broken, upstream-model = "llama3.1:8b", capabilities = [streaming] }
        }
        """);
    // One failing call opens the breaker of the deployment it went to: "broken"'s llama, then its claude
    // (that request falls back to "cheap").
    HttpResponse<String> failed = gateway.post("/v1/chat/completions",
        "{\"model\":\"llama-local\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertEquals(502, failed.statusCode(), failed.body());
    HttpResponse<String> fellBack = gateway.post("/v1/chat/completions",
        "{\"model\":\"claude-sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertEquals(200, fellBack.statusCode(), fellBack.body());
    assertEquals("open", gateway.status("broken").modelBreaker("llama3.1:8b"));
    assertEquals("open", gateway.status("broken").modelBreaker("claude-sonnet-4-5"));
  }

  private JsonNode list(String query) throws Exception {
    HttpResponse<String> response = gateway.get("/v1/models" + query);
    assertEquals(200, response.statusCode(), response.body());
    JsonNode body = JSON.readTree(response.body());
    assertEquals("list", body.path("object").asText());
    return body.path("data");
  }

  private List<String> ids(String query) throws Exception {
    List<String> ids = new ArrayList<>();
    for (JsonNode model : list(query)) ids.add(model.path("id").asText());
    return ids;
  }

  private static void assertInvalid(HttpResponse<String> response, String param) throws Exception {
    assertEquals(400, response.statusCode(), response.body());
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertEquals("invalid_request_error", error.path("type").asText());
    assertEquals(param, error.path("param").asText(), response.body());
    assertFalse(error.path("message").asText().isBlank());
  }

  @Test
  void everyModel_isListedWithItsCatalogEntry_inOpenAisShape() throws Exception {
    JsonNode data = list("");

    assertEquals(List.of("claude-sonnet", "gpt-4o", "gpt-4o-mini", "llama-local"), ids(""));
    JsonNode gpt = data.get(1);
    assertEquals("model", gpt.path("object").asText());
    assertTrue(gpt.path("created").asLong() > 1_700_000_000L);
    assertEquals("simulated", gpt.path("owned_by").asText());
    assertEquals("simulated", gpt.path("provider").asText());
    assertEquals("gpt-4o-2024-08-06", gpt.path("upstream_model").asText());
    assertEquals(128000, gpt.path("context_window").asInt());
    assertEquals(16384, gpt.path("max_output_tokens").asInt());
    assertEquals(2.50, gpt.path("pricing").path("input_per_million").asDouble());
    assertEquals(10, gpt.path("pricing").path("output_per_million").asDouble());
    assertEquals("USD", gpt.path("pricing").path("currency").asText());
    assertEquals(JSON.readTree("[\"tools\",\"json\",\"vision\",\"streaming\"]"), gpt.path("capabilities"));
    assertTrue(gpt.path("available").asBoolean());
    assertEquals(1, gpt.path("deployments").size());

    JsonNode llama = data.get(3);
    assertFalse(llama.has("context_window"), "an unknown context window is left out: " + llama);
    assertEquals(4096, llama.path("max_output_tokens").asInt(), "from model-defaults");
    assertEquals(0, llama.path("pricing").path("input_per_million").asDouble());
  }

  @Test
  void availability_followsTheProvidersBreaker_andAFallbackKeepsAModelAvailable() throws Exception {
    JsonNode data = list("");

    JsonNode llama = data.get(3);
    assertFalse(llama.path("available").asBoolean(), "its only deployment's breaker is open: " + llama);
    JsonNode claude = data.get(0);
    assertTrue(claude.path("available").asBoolean(), "its fallback can serve: " + claude);
    assertFalse(claude.path("deployments").get(0).path("available").asBoolean());
    assertEquals("broken", claude.path("deployments").get(0).path("provider").asText());
    assertTrue(claude.path("deployments").get(1).path("available").asBoolean());
    assertEquals("claude-fallback", claude.path("deployments").get(1).path("upstream_model").asText());
    assertEquals(100000, claude.path("deployments").get(1).path("context_window").asInt());
  }

  @Test
  void filters_byProviderAndCapability_allCapabilitiesMustMatch() throws Exception {
    assertEquals(List.of("gpt-4o-mini", "claude-sonnet"), ids("?provider=cheap&sort=price"));
    assertEquals(List.of("claude-sonnet", "gpt-4o", "gpt-4o-mini"), ids("?provider=cheap,simulated"));
    assertEquals(List.of("claude-sonnet", "gpt-4o"), ids("?capability=vision"));
    assertEquals(List.of("gpt-4o"), ids("?capability=vision&capability=json"));
    assertEquals(List.of("gpt-4o"), ids("?capability=vision,json"));
    assertEquals(List.of("claude-sonnet", "gpt-4o", "gpt-4o-mini"), ids("?capability=tools&provider=simulated,cheap"));
    assertEquals(List.of("gpt-4o"), ids("?capability=tools&provider=simulated"));
  }

  @Test
  void search_matchesNameUpstreamModelAndProvider_ignoringCase() throws Exception {
    assertEquals(List.of("gpt-4o", "gpt-4o-mini"), ids("?q=GPT"));
    assertEquals(List.of("llama-local"), ids("?q=llama3.1"));
    assertEquals(List.of("claude-sonnet", "llama-local"), ids("?q=brok"));
    assertEquals(List.of(), ids("?q=nothing-like-this"));
  }

  @Test
  void sort_byPriceAscending_byContextDescending_orderReverses() throws Exception {
    // price = input + output per million of the primary deployment: 0, 0.75, 12.5, 18
    assertEquals(List.of("llama-local", "gpt-4o-mini", "gpt-4o", "claude-sonnet"), ids("?sort=price"));
    assertEquals(List.of("claude-sonnet", "gpt-4o", "gpt-4o-mini", "llama-local"), ids("?sort=price&order=desc"));
    // context: 200000, 128000 (twice, by name), unknown last
    assertEquals(List.of("claude-sonnet", "gpt-4o", "gpt-4o-mini", "llama-local"), ids("?sort=context"));
    assertEquals(List.of("llama-local", "gpt-4o", "gpt-4o-mini", "claude-sonnet"), ids("?sort=context&order=asc"));
    assertEquals(List.of("llama-local", "gpt-4o-mini", "gpt-4o", "claude-sonnet"), ids("?sort=name&order=desc"));
  }

  @Test
  void unknownSortCapabilityProviderOrOrder_is400NamingTheParameter() throws Exception {
    assertInvalid(gateway.get("/v1/models?sort=latency"), "sort");
    assertInvalid(gateway.get("/v1/models?capability=tools,telepathy"), "capability");
    assertInvalid(gateway.get("/v1/models?provider=opneai"), "provider");
    assertInvalid(gateway.get("/v1/models?sort=price&order=up"), "order");
  }

  @Test
  void oneModel_byName_or404ModelNotFound() throws Exception {
    HttpResponse<String> response = gateway.get("/v1/models/gpt-4o-mini");
    assertEquals(200, response.statusCode(), response.body());
    JsonNode model = JSON.readTree(response.body());
    assertEquals("gpt-4o-mini", model.path("id").asText());
    assertEquals(0.15, model.path("pricing").path("input_per_million").asDouble());
    assertTrue(model.path("available").asBoolean());

    HttpResponse<String> missing = gateway.get("/v1/models/gpt-5-turbo");
    assertEquals(404, missing.statusCode());
    JsonNode error = JSON.readTree(missing.body()).path("error");
    assertEquals("model_not_found", error.path("code").asText());
    assertEquals("model", error.path("param").asText());
    assertTrue(error.path("message").asText().contains("gpt-5-turbo"));
  }
}
