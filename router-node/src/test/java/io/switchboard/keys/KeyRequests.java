package io.switchboard.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * What tests send to a gateway with keys: create a key through the admin API, call with a key in a
 * header, and check an error envelope.
 *
 * <pre>{@code
 * String secret = KeyRequests.createKey(gateway, "{\"name\":\"team-a\"}").path("key").asText();
 * HttpResponse<String> r = KeyRequests.chatWith(gateway, "x-api-key", secret, body);
 * }</pre>
 */
public final class KeyRequests {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String CHAT = "/v1/chat/completions";

  private KeyRequests() {}

  public static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  /** Creates a key through the admin API and returns the answer: {@code id} and, this once, {@code key}. */
  public static JsonNode createKey(TestGateway gateway, String body) {
    HttpResponse<String> created = gateway.post("/admin/keys", body);
    assertEquals(201, created.statusCode(), created.body());
    return json(created);
  }

  public static HttpResponse<String> chatWith(TestGateway gateway, String header, String value, String body) {
    return gateway.send(gateway.request(CHAT).header("Content-Type", "application/json").header(header, value)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A GET with one header of the test's choosing (none when {@code header} is null), no admin key added. */
  public static HttpResponse<String> getWith(TestGateway gateway, String path, String header, String value) {
    HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri(path)).GET();
    if (header != null) request.header(header, value);
    return gateway.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Asserts the status and the OpenAI envelope with {@code code}. */
  public static void assertError(HttpResponse<String> response, int status, String code) {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode error = json(response).path("error");
    assertEquals(code, error.path("code").asText(), response.body());
    assertTrue(error.has("message") && error.has("type") && error.has("param"), response.body());
  }
}
