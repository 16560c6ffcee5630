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
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 *
 * <p>Each probe carries what its path needs, as a real caller would: the client key on {@code /v1}, the
 * console's session cookie on {@code /console}, the admin key elsewhere. Behind a gate every path is
 * refused alike (401 for {@code /admin/anything} without the admin key, for {@code /console/api/anything}
 * without a session); holding the credential, an unknown path is 404 {@code unknown_url}, so the probe
 * tells served paths from unknown ones. The probes' writes are real (a {@code DELETE} revokes the key
 * made for it, or removes a registry model it names), so the node is this class's own.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DESCRIPTION = "router-node/src/main/resources/openapi/openapi.json";
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  /** A body read whole, except a server-sent event stream's, which does not end: its headers answer. */
  private static final HttpResponse.BodyHandler<String> BODY_UNLESS_STREAM = info ->
      info.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")
          ? HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofInputStream(), OpenApiRoutesTest::unread)
          : HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);

  @RegisterExtension static final FakeOllama ollama = new FakeOllama("llama3.2");
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;
  private String keyId;
  private String clientKey;
  private String consoleCookie;
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
    consoleCookie = logIn();
    HttpResponse<String> served = gateway.get("/openapi.json");
    assertEquals(200, served.statusCode(), served.body());
    description = new OpenApiDescription(JSON.readTree(served.body()));
  }

  /**
   * A request with the credentials its path needs: the client key on /v1, the console's session cookie
   * on /console (as the browser sends it), the admin key elsewhere.
   */
  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri(path)).timeout(TIMEOUT);
    if (path.startsWith("/console")) return request.header("Cookie", consoleCookie);
    String key = path.startsWith("/v1") ? clientKey : TestGateway.ADMIN_KEY;
    return request.header("Authorization", "Bearer " + key);
  }

  /** Sends it; a probe that logged the console out logs in again, so the probes after it still get in. */
  private HttpResponse<String> send(HttpRequest.Builder builder) {
    HttpRequest request = builder.build();
    HttpResponse<String> answer = gateway.send(request, BODY_UNLESS_STREAM);
    if (request.uri().getPath().equals("/console/logout") && answer.statusCode() == 204) consoleCookie = logIn();
    return answer;
  }

  /** A console session for the admin key: its cookie, as {@code name=value}. */
  private String logIn() {
    HttpResponse<String> login = gateway.send(HttpRequest.newBuilder(gateway.uri("/console/login")).timeout(TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + TestGateway.ADMIN_KEY + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(204, login.statusCode(), login.body());
    String cookie = login.headers().firstValue("set-cookie").orElseThrow();
    return cookie.substring(0, cookie.indexOf(';'));
  }

  private static String unread(InputStream stream) {
    try {
      stream.close();
      return "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void description_isOpenApi3JsonWhoseReferencesAllResolve() throws Exception {
    HttpResponse<String> served = gateway.get("/openapi.json");

    assertTrue(served.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
    JsonNode document = JSON.readTree(served.body());
    assertTrue(document.path("openapi").asText().startsWith("3."), document.path("openapi").asText());
    assertEquals(List.of(), description.danglingReferences());
    assertEquals(Set.of("clientBearer", "clientApiKey", "adminBearer", "adminApiKey", "consoleSession"),
        Set.copyOf(iterable(document.path("components").path("securitySchemes").fieldNames())));
    assertEquals(List.of(), description.undefinedSecuritySchemes());
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
    assertTrue(served.stream().anyMatch(s -> s.method().equals("GET") && s.path().equals("/console/api/info")
        && s.status() == 200), "the probe holds a console session: " + served);
  }

  @Test
  void swaggerUi_isServedBehindTheConsoleSessionOrTheAdminKey_andReadsTheDescription() {
    HttpResponse<String> refused = gateway.send(HttpRequest.newBuilder(gateway.uri("/docs")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(401, refused.statusCode(), refused.body());

    HttpResponse<String> page = send(request("/docs"));
    assertEquals(200, page.statusCode(), page.body());
    HttpResponse<String> withSession = send(HttpRequest.newBuilder(gateway.uri("/docs")).header("Cookie", consoleCookie));
    assertEquals(200, withSession.statusCode(), withSession.body());
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
