package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A model's {@code first-token-timeout}: a stream whose first content token has not come in time is
 * abandoned before anything reached the client, and the next deployment streams instead; the client
 * sees one clean stream. With no deployment left, a typed 504.
 */
@Tag("integration")
class FirstTokenTimeoutTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi primary = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi secondary = new FakeOpenAi();
  @RegisterExtension static final FakeAnthropic claude = new FakeAnthropic("sk-ant-test");
  @RegisterExtension static final FakeAnthropic claudeBackup = new FakeAnthropic("sk-ant-test");
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  /** The primary's stall would otherwise reach the client and end in a stream-idle error after 8 s. */
  private TestGateway gateway(String firstTokenTimeout) {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults {
          retries { max-attempts = 3, base-delay = 10ms, max-delay = 20ms }
          breaker { consecutive-failures = 100 }
          timeouts.stream-idle = 8s
        }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s" }
        switchboard.providers.secondary { kind = openai, openai.base-url = "%s" }
        switchboard.models.chat {
          first-token-timeout = %s
          deployments = [
            { provider = primary, upstream-model = "gpt-4o" },
            { provider = secondary, upstream-model = "gpt-4o-mini" }
          ]
        }
        switchboard.models.only-primary { provider = primary, upstream-model = "gpt-4o", first-token-timeout = %s }
        """.formatted(primary.baseUrl(), secondary.baseUrl(), firstTokenTimeout, firstTokenTimeout));
  }

  @Test
  void aStreamWithoutAFirstToken_movesToTheFallback_andTheClientSeesOneCleanStream() throws Exception {
    primary.answer(primary.stallAfterFirstChunk()); // the role chunk, with empty content, then nothing
    try (TestGateway gateway = gateway("2s")) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", RequestDeadlineTest.body("chat", true));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("secondary/gpt-4o-mini", response.headers().firstValue("x-switchboard-deployment").orElseThrow());
      String body = response.body();
      assertFalse(body.contains("error"), body);
      assertTrue(body.endsWith("data: [DONE]\n\n"), body);
      StringBuilder text = new StringBuilder();
      int roles = 0;
      for (String event : body.split("\n\n")) {
        if (!event.startsWith("data: {")) continue;
        var delta = JSON.readTree(event.substring(6)).path("choices").path(0).path("delta");
        if (delta.has("role")) roles++;
        text.append(delta.path("content").asText(""));
      }
      assertEquals(1, roles, "one stream: the primary's role chunk never reached the client\n" + body);
      assertEquals(FakeOpenAi.CONTENT, text.toString());
      assertEquals(1, primary.received().size(), "the primary is not retried");
      primary.streamEnded().get(10, TimeUnit.SECONDS); // its connection was closed
    }
  }

  @Test
  void aStreamWithoutAFirstToken_andNoFallback_isA504() throws Exception {
    primary.answer(primary.stallAfterFirstChunk());
    try (TestGateway gateway = gateway("2s")) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions",
          RequestDeadlineTest.body("only-primary", true));

      assertEquals(504, response.statusCode(), response.body());
      assertEquals("upstream_timeout", JSON.readTree(response.body()).path("error").path("type").asText());
      assertTrue(response.body().contains("first-token-timeout"), response.body());
    }
  }

  @Test
  void aStreamWhoseTokensCome_isServedByThePrimary() {
    try (TestGateway gateway = gateway("5s")) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", RequestDeadlineTest.body("chat", true));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("primary/gpt-4o", response.headers().firstValue("x-switchboard-deployment").orElseThrow());
      assertTrue(response.body().endsWith("data: [DONE]\n\n"), response.body());
      assertEquals(0, secondary.received().size());
    }
  }

  @Test
  void anAnthropicStreamWithoutAFirstToken_movesToTheFallback_andTheAnthropicClientSeesOneCleanStream() {
    // message_start, an empty text block and a ping, then nothing: no token yet
    claude.answer(FakeAnthropic.stallAfter(FakeAnthropic.textEvents("claude-sonnet-4-5").subList(0, 3)));
    try (TestGateway gateway = gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults.timeouts.stream-idle = 8s
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%s", api-key-env = "FAKE_KEY" } }
        switchboard.providers.backup { kind = anthropic, anthropic { base-url = "%s", api-key-env = "FAKE_KEY" } }
        switchboard.models.sonnet {
          first-token-timeout = 2s
          deployments = [
            { provider = claude, upstream-model = "claude-sonnet-4-5" },
            { provider = backup, upstream-model = "claude-sonnet-4-5" }
          ]
        }
        """.formatted(claude.baseUrl(), claudeBackup.baseUrl()), java.util.Map.of("FAKE_KEY", "sk-ant-test"))) {
      HttpResponse<String> response = gateway.post("/v1/messages", """
          {"model":"sonnet","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hi"}]}""");

      assertEquals(200, response.statusCode(), response.body());
      String body = response.body();
      assertEquals(1, body.split("event: message_start", -1).length - 1, "one stream\n" + body);
      assertFalse(body.contains("event: error"), body);
      assertTrue(body.contains("event: message_stop"), body);
      assertEquals(1, claude.received().size());
      assertEquals(1, claudeBackup.received().size());
    }
  }

  @Test
  void carriesToken_tellsContentFromTheOpeningEvent() {
    assertFalse(StreamStart.carriesToken(org.apache.pekko.util.ByteString.fromString(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n")));
    assertTrue(StreamStart.carriesToken(org.apache.pekko.util.ByteString.fromString(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n")));
    assertTrue(StreamStart.carriesToken(org.apache.pekko.util.ByteString.fromString(
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\"}\n\n")));
    assertFalse(StreamStart.carriesToken(org.apache.pekko.util.ByteString.fromString(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"content\":[]}}\n\n")));
  }
}
