package io.switchboard.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /v1/models} says an Ollama model is available only while its server lists the upstream
 * model in {@code /api/tags}: a model the server has not pulled, or a server that is not running, is
 * listed unavailable (a fallback elsewhere keeps its model available), and the server is asked once per
 * {@code ollama.tags-refresh}, not once per listing.
 */
@Tag("integration")
class OllamaCatalogAvailabilityTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOllama ollama = new FakeOllama("llama3.2:latest", "qwen2.5:7b");
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  private void start() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    // "local" is the fake server; "stopped" has nothing listening. The refresh is long, so every listing in
    // a test reads the same answer.
    gateway = gateways.start("""
        switchboard.provider-defaults.ollama.tags-refresh = 10m
        switchboard.providers.local { kind = ollama, ollama.base-url = "%s" }
        switchboard.providers.stopped { kind = ollama, ollama.base-url = "http://127.0.0.1:%d" }
        switchboard.models {
          llama { provider = local, upstream-model = "llama3.2" }
          qwen { provider = local, upstream-model = "qwen2.5:7b" }
          mistral { provider = local, upstream-model = "mistral:7b" }
          llama-elsewhere { provider = stopped, upstream-model = "llama3.2" }
          llama-anywhere {
            deployments = [
              { provider = stopped, upstream-model = "llama3.2" }
              { provider = local, upstream-model = "llama3.2:latest" }
            ]
          }
        }
        """.formatted(ollama.baseUrl(), closedPort));
  }

  private JsonNode model(String id) throws Exception {
    HttpResponse<String> response = gateway.get("/v1/models/" + id);
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  private long tagsAsked() {
    return ollama.received().stream().filter(r -> r.path().equals("/api/tags")).count();
  }

  @Test
  void modelsThePulledListNames_areAvailable_andOthersAreNot() throws Exception {
    start();

    assertTrue(model("llama").path("available").asBoolean(), "llama3.2 is listed as llama3.2:latest");
    assertTrue(model("qwen").path("available").asBoolean(), "listed by its full name");
    JsonNode mistral = model("mistral");
    assertFalse(mistral.path("available").asBoolean(), "the server has not pulled it: " + mistral);
    assertFalse(mistral.path("deployments").get(0).path("available").asBoolean());
  }

  @Test
  void aStoppedServer_hasNothingAvailable_butAFallbackOnAnotherServerKeepsTheModelAvailable() throws Exception {
    start();

    assertFalse(model("llama-elsewhere").path("available").asBoolean());
    JsonNode anywhere = model("llama-anywhere");
    assertTrue(anywhere.path("available").asBoolean(), anywhere.toString());
    assertEquals("stopped", anywhere.path("deployments").get(0).path("provider").asText());
    assertFalse(anywhere.path("deployments").get(0).path("available").asBoolean());
    assertTrue(anywhere.path("deployments").get(1).path("available").asBoolean());
  }

  @Test
  void theWholeList_asksTheServerOncePerRefreshPeriod() throws Exception {
    start();

    for (int i = 0; i < 3; i++) {
      HttpResponse<String> list = gateway.get("/v1/models?provider=local");
      assertEquals(200, list.statusCode(), list.body());
      for (JsonNode m : JSON.readTree(list.body()).path("data")) {
        String id = m.path("id").asText();
        boolean pulled = !id.equals("mistral");
        assertEquals(pulled, m.path("available").asBoolean(), m.toString());
      }
    }
    model("mistral");

    assertEquals(1, tagsAsked(), "four listings, one /api/tags");
  }
}
