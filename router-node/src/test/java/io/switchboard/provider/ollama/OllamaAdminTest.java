package io.switchboard.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Ollama model management through the gateway: list pulled and loaded models, pull with progress, unload. */
@Tag("integration")
class OllamaAdminTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOllama ollama = new FakeOllama("llama3.2:latest");
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  private TestGateway gateway(String baseUrl) {
    gateway = gateways.start("""
        switchboard.providers.local { kind = ollama, ollama.base-url = "%s", timeouts.stream-idle = 1s }
        """.formatted(baseUrl));
    return gateway;
  }

  private static List<JsonNode> ndjson(String body) throws Exception {
    List<JsonNode> lines = new java.util.ArrayList<>();
    for (String line : body.split("\n")) if (!line.isBlank()) lines.add(JSON.readTree(line));
    return lines;
  }

  @Test
  void pulledAndLoadedModels_areListed() throws Exception {
    gateway(ollama.baseUrl());

    HttpResponse<String> pulled = gateway.get("/admin/ollama/local/models");
    HttpResponse<String> loaded = gateway.get("/admin/ollama/local/loaded");

    assertEquals(200, pulled.statusCode(), pulled.body());
    assertEquals("llama3.2:latest", JSON.readTree(pulled.body()).path("models").get(0).path("name").asText());
    assertEquals(200, loaded.statusCode(), loaded.body());
    assertEquals(5137025024L, JSON.readTree(loaded.body()).path("models").get(0).path("size_vram").asLong());
    assertEquals("/api/ps", ollama.received().get(1).path());
  }

  @Test
  void pull_streamsItsProgressToSuccess() throws Exception {
    gateway(ollama.baseUrl());

    HttpResponse<String> response = gateway.post("/admin/ollama/local/pull", "{\"model\":\"mistral\"}");

    assertEquals(200, response.statusCode(), response.body());
    List<JsonNode> lines = ndjson(response.body());
    assertEquals("pulling manifest", lines.get(0).path("status").asText());
    assertEquals(2142590208L, lines.get(2).path("completed").asLong());
    assertEquals("success", lines.get(lines.size() - 1).path("status").asText());
    assertEquals("mistral", ollama.received().get(0).json().path("model").asText());
  }

  @Test
  void failedPull_endsWithAClearError() throws Exception {
    gateway(ollama.baseUrl());
    ollama.answer(FakeOllama.lines(List.of("{\"status\":\"pulling manifest\"}\n",
        "{\"error\":\"write /root/.ollama/models/blobs/sha256-8eeb: no space left on device\"}\n")));

    HttpResponse<String> response = gateway.post("/admin/ollama/local/pull", "{\"model\":\"llama3.1:405b\"}");

    List<JsonNode> lines = ndjson(response.body());
    JsonNode error = lines.get(lines.size() - 1).path("error");
    assertEquals("upstream_error", error.path("type").asText(), response.body());
    assertTrue(error.path("message").asText().contains("no space left on device"), response.body());
    assertTrue(error.path("message").asText().contains("llama3.1:405b"), response.body());

    ollama.answer(FakeOllama.lines(List.of("{\"status\":\"pulling manifest\"}\n")));
    List<JsonNode> cut = ndjson(gateway.post("/admin/ollama/local/pull", "{\"model\":\"x\"}").body());
    assertEquals("upstream_malformed_response", cut.get(cut.size() - 1).path("error").path("type").asText());

    ollama.answer(FakeOllama.status(500, "{\"error\":\"pull model manifest: file does not exist\"}"));
    HttpResponse<String> refused = gateway.post("/admin/ollama/local/pull", "{\"model\":\"nope\"}");
    assertEquals(502, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("file does not exist"));

    assertEquals(400, gateway.post("/admin/ollama/local/pull", "{}").statusCode());
  }

  @Test
  void unload_sendsKeepAliveZeroWithNoMessages() throws Exception {
    gateway(ollama.baseUrl());

    HttpResponse<String> response = gateway.send(gateway.request("/admin/ollama/local/loaded/llama3.2")
        .DELETE().build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("unloaded", JSON.readTree(response.body()).path("status").asText());
    JsonNode sent = ollama.received().get(0).json();
    assertEquals("/api/chat", ollama.received().get(0).path());
    assertEquals(0, sent.path("keep_alive").asInt(-1));
    assertEquals(0, sent.path("messages").size());
  }

  @Test
  void unknownProvider_is404_andAStoppedServerIs503() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    gateway("http://127.0.0.1:" + closedPort);

    HttpResponse<String> unknown = gateway.get("/admin/ollama/nowhere/models");
    assertEquals(404, unknown.statusCode());
    assertTrue(unknown.body().contains("local"), "names the Ollama providers there are: " + unknown.body());

    HttpResponse<String> down = gateway.get("/admin/ollama/local/loaded");
    assertEquals(503, down.statusCode(), down.body());
    assertEquals("provider_unavailable", JSON.readTree(down.body()).path("error").path("type").asText());
  }
}
