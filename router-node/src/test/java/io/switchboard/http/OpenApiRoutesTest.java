package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.keys.KeyRequests;
import io.switchboard.provider.ollama.FakeOllama;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /openapi.json} and the routes agree, both ways: every operation it documents reaches a
 * handler, and every operation the node serves is documented ({@link RouteProbe} finds them from the
 * sources and by asking the node). A route added without its description fails here, naming it; the
 * description is {@code router-node/src/main/resources/openapi/openapi.json}.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DESCRIPTION = "router-node/src/main/resources/openapi/openapi.json";

  @RegisterExtension static final FakeOllama ollama = new FakeOllama("llama3.2");
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;
  private String keyId;
  private String clientKey;
  private OpenApiDescription description;

  @BeforeAll
  void start() throws Exception {
    gateway = gateways.start("""
        switchboard.auth.mode = keys
        switchboard.providers.local { kind = ollama, ollama.base-url = "%s" }
        switchboard.models.llama { provider = local, upstream-model = "llama3.2" }
        """.formatted(ollama.baseUrl()));
    clientKey = KeyRequests.createKey(gateway, "{\"name\":\"openapi-probe\"}").path("key").asText();
    // The key the probes may revoke (DELETE /admin/keys/{id}) is not the one they call /v1 with.
    keyId = KeyRequests.createKey(gateway, "{\"name\":\"openapi-probed\"}").path("id").asText();
    HttpResponse<String> served = gateway.get("/openapi.json");
    assertEquals(200, served.statusCode(), served.body());
    description = new OpenApiDescription(JSON.readTree(served.body()));
  }

  /** A request with the credentials its path needs: the client key on /v1, the admin key elsewhere. */
  private HttpRequest.Builder request(String path) {
    String key = path.startsWith("/v1") ? clientKey : TestGateway.ADMIN_KEY;
    return HttpRequest.newBuilder(gateway.uri(path)).header("Authorization", "Bearer " + key);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    return gateway.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void description_isOpenApi3JsonWhoseReferencesAllResolve() throws Exception {
    HttpResponse<String> served = gateway.get("/openapi.json");

    assertTrue(served.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
    JsonNode document = JSON.readTree(served.body());
    assertTrue(document.path("openapi").asText().startsWith("3."), document.path("openapi").asText());
    assertEquals(List.of(), description.danglingReferences());
    assertEquals(Set.of("clientBearer", "clientApiKey", "adminBearer", "adminApiKey"),
        Set.copyOf(iterable(document.path("components").path("securitySchemes").fieldNames())));
    assertFalse(description.operations().isEmpty());
  }

  @Test
  void everyDocumentedOperation_reachesAHandler() {
    Map<String, String> values = Map.of("id", keyId, "provider", "local", "model", "llama");
    List<String> unserved = new ArrayList<>();
    for (OpenApiDescription.Operation operation : description.operations()) {
      String path = operation.concretePath(p -> values.getOrDefault(p.path("name").asText(),
          p.path("example").asText("x")));
      HttpRequest.Builder request = request(path).header("Content-Type", "application/json");
      HttpResponse<String> answer = send(operation.method().equals("GET") || operation.method().equals("DELETE")
          ? request.method(operation.method(), HttpRequest.BodyPublishers.noBody())
          : request.method(operation.method(), HttpRequest.BodyPublishers.ofString("{}")));
      if (RouteProbe.unknown(answer) || answer.statusCode() == 405) {
        unserved.add(operation + " (asked as " + operation.method() + " " + path + ": " + answer.statusCode() + ")");
      }
    }
    assertEquals(List.of(), unserved, "documented in " + DESCRIPTION + " but no route serves them");
  }

  @Test
  void everyServedOperation_isDocumented() {
    Path sources = Path.of("src/main/java");
    assertTrue(Files.isDirectory(sources), "run from the router-node module: " + sources.toAbsolutePath());
    RouteProbe probe = new RouteProbe(this::request, this::send)
        .harvest(sources)
        .values(List.of(keyId, "local", "llama", "switchboard-sim", "simulated"));
    description.operations().forEach(o -> probe.seed(o.template()));

    Set<RouteProbe.Served> served = probe.served();

    List<String> undocumented = served.stream()
        .filter(s -> description.find(s.method(), s.path()).isEmpty())
        .map(s -> s + " is served but not described; add it to " + DESCRIPTION)
        .toList();
    assertEquals(List.of(), undocumented);
    // The probe itself works: it found the routes the description names, under their real values.
    assertTrue(served.stream().anyMatch(s -> s.method().equals("DELETE") && s.path().equals("/admin/keys/" + keyId)),
        served.toString());
    assertTrue(served.stream().anyMatch(s -> s.method().equals("POST") && s.path().equals("/admin/ollama/local/pull")),
        served.toString());
  }

  @Test
  void swaggerUi_isServedBehindTheAdminKey_andReadsTheDescription() {
    HttpResponse<String> refused = gateway.send(HttpRequest.newBuilder(gateway.uri("/docs")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(401, refused.statusCode(), refused.body());

    HttpResponse<String> page = send(request("/docs"));
    assertEquals(200, page.statusCode(), page.body());
    assertTrue(page.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
    HttpResponse<String> initializer = send(request("/docs/initializer.js"));
    assertTrue(initializer.body().contains("url: \"/openapi.json\""), initializer.body());
    for (String asset : List.of("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")) {
      assertTrue(page.body().contains("/docs/" + asset), asset);
      HttpResponse<String> file = send(request("/docs/" + asset));
      assertEquals(200, file.statusCode(), asset);
      assertTrue(file.body().length() > 10_000, asset + " is Swagger UI's, not a stub");
    }
  }

  private static <T> List<T> iterable(java.util.Iterator<T> iterator) {
    List<T> all = new ArrayList<>();
    iterator.forEachRemaining(all::add);
    return all;
  }
}
