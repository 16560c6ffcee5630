package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A model whose alias is its OpenAI upstream's own name, asked for by an Anthropic caller: the gateway
 * translates the Messages request (there are no OpenAI bytes of the client's to forward) and answers in
 * Anthropic's shape. Before this was fixed, the equal names made the OpenAI adapter forward the client's
 * OpenAI body, which an Anthropic caller does not have, and the caller got a 500.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnthropicCallerUnderUpstreamNameTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi openAi = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.providers.openai { kind = openai, openai.base-url = "%s" }
        switchboard.models { gpt-4o-mini { provider = openai, upstream-model = gpt-4o-mini } }
        """.formatted(openAi.baseUrl()));
  }

  private HttpResponse<String> messages(boolean stream) {
    String body = """
        {"model":"gpt-4o-mini","max_tokens":64,"stream":%s,"messages":[{"role":"user","content":"Hello"}]}"""
        .formatted(stream);
    return gateway.send(gateway.request("/v1/messages").header("Content-Type", "application/json")
        .header("anthropic-version", "2023-06-01").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aPlainMessage_isTranslatedForTheUpstream_andAnsweredAsAnAnthropicMessage() throws Exception {
    HttpResponse<String> response = messages(false);

    assertEquals(200, response.statusCode(), response.body());
    JsonNode message = JSON.readTree(response.body());
    assertEquals("message", message.path("type").asText(), response.body());
    assertEquals("text", message.path("content").path(0).path("type").asText());
    JsonNode sent = openAi.received().get(0).json();
    assertEquals("gpt-4o-mini", sent.path("model").asText());
    assertEquals("Hello", sent.path("messages").path(0).path("content").asText(), sent.toString());
    assertFalse(sent.has("anthropic-version"));
  }

  @Test
  void aStreamedMessage_isAnthropicsEventSequence() {
    HttpResponse<String> response = messages(true);

    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().startsWith("event: message_start"), response.body());
    assertTrue(response.body().contains("event: message_stop"), response.body());
  }
}
