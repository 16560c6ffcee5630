package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.LogCapture;
import io.switchboard.TestGateway;
import io.switchboard.persistence.TestStores;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that echoes the request it got (its credential header) and a key-shaped token in its
 * error answers never hands the gateway's provider key, or the token, to a client or a log line:
 * whichever ingress the client speaks, whichever provider kind answers, and whatever the status (a
 * rejected request whose envelope is passed on, a refused key, a failure, an error in a stream).
 */
@Tag("integration")
class UpstreamErrorRedactionTest {
  /** Not key-shaped: only the provider's own configured value can catch it. */
  private static final String OPENAI_KEY = "gw.openai.R8tK2wQ5";
  private static final String ANTHROPIC_KEY = "gw.anthropic.M3vX7pL1";
  private static final String TOKEN = "sk-proj-Zm9vYmFyYmF6cXV4";

  @RegisterExtension static final FakeOpenAi openai = new FakeOpenAi();
  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic(ANTHROPIC_KEY);

  private static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]%s}";
  private static final String MESSAGES =
      "{\"model\":\"%s\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]%s}";

  /** OpenAI's envelope quoting the request's Authorization header, the bare key, and a token. */
  private static String openAiEcho(String authorization) {
    return FakeOpenAi.envelope("Rejected. You sent Authorization: " + authorization + "; the key "
        + authorization.substring("Bearer ".length()) + " is unknown; try " + TOKEN, "invalid_request_error");
  }

  private static String anthropicEcho(String apiKey) {
    return FakeAnthropic.envelope("invalid_request_error", "Rejected. x-api-key: " + apiKey + " (the key " + apiKey
        + ") is unknown; try " + TOKEN);
  }

  @Test
  void openAiIngress_neverShowsTheProviderKeyOrATokenTheUpstreamEchoed(@TempDir Path dataDir) {
    List<String> answers = new ArrayList<>();
    List<String> log = run(dataDir, gateway -> {
      for (int status : new int[] {400, 401, 404, 500}) {
        openai.answer(r -> FakeOpenAi.status(status, openAiEcho(r.authorization())).apply(r));
        answers.add(expectError(gateway.post("/v1/chat/completions", CHAT.formatted("gpt", ""))));
        anthropic.answer(r -> FakeAnthropic.status(status, anthropicEcho(r.apiKey().orElseThrow())).apply(r));
        answers.add(expectError(gateway.post("/v1/chat/completions", CHAT.formatted("claude", ""))));
      }
      openai.answer(r -> FakeOpenAi.events("data: {\"error\":{\"message\":\"echo " + r.authorization() + " "
          + TOKEN + "\",\"type\":\"server_error\"}}\n\n").apply(r));
      answers.add(streamed(gateway, "/v1/chat/completions", CHAT.formatted("gpt", ",\"stream\":true")));
    });

    assertTrue(answers.get(0).contains("[redacted]"), "the upstream's explanation still arrives: " + answers.get(0));
    assertClean(answers, log);
  }

  @Test
  void anthropicIngress_neverShowsTheProviderKeyOrATokenTheUpstreamEchoed(@TempDir Path dataDir) {
    List<String> answers = new ArrayList<>();
    List<String> log = run(dataDir, gateway -> {
      for (int status : new int[] {400, 401, 404, 500}) {
        anthropic.answer(r -> FakeAnthropic.status(status, anthropicEcho(r.apiKey().orElseThrow())).apply(r));
        answers.add(expectError(gateway.post("/v1/messages", MESSAGES.formatted("claude", ""))));
        openai.answer(r -> FakeOpenAi.status(status, openAiEcho(r.authorization())).apply(r));
        answers.add(expectError(gateway.post("/v1/messages", MESSAGES.formatted("gpt", ""))));
      }
      anthropic.answer(r -> FakeAnthropic.events(List.of(FakeAnthropic.messageStart("claude", "msg_1"),
          FakeAnthropic.event("error", anthropicEcho(r.apiKey().orElseThrow())))).apply(r));
      answers.add(streamed(gateway, "/v1/messages", MESSAGES.formatted("claude", ",\"stream\":true")));
    });

    assertTrue(answers.get(0).contains("[redacted]"), "the upstream's explanation still arrives: " + answers.get(0));
    assertClean(answers, log);
  }

  private static void assertClean(List<String> answers, List<String> log) {
    assertTrue(openai.received().size() + anthropic.received().size() >= answers.size(), "every answer came upstream");
    for (String answer : answers) {
      for (String secret : List.of(OPENAI_KEY, ANTHROPIC_KEY, TOKEN)) {
        assertFalse(answer.contains(secret), "a client was shown " + secret + ": " + answer);
      }
    }
    assertTrue(log.size() > 3, "too few log lines to mean anything: " + log.size());
    for (String line : log) {
      for (String secret : List.of(OPENAI_KEY, ANTHROPIC_KEY, TOKEN)) {
        assertFalse(line.contains(secret), "a log line holds " + secret + ": " + line);
      }
    }
  }

  /** Runs {@code requests} against a gateway in front of both fakes; the log of the whole run, node stopped. */
  private static List<String> run(Path dataDir, Consumer<TestGateway> requests) {
    try (LogCapture log = LogCapture.start()) {
      ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(TestStores.h2(dataDir)).build();
      try (TestGateway gateway = TestGateway.start(testKit, """
          switchboard.provider-defaults {
            retries.max-attempts = 1
            breaker { consecutive-failures = 1000, minimum-calls = 1000 }
          }
          switchboard.providers.oai { kind = openai, openai { base-url = "%s", api-key-env = "OAI_KEY" } }
          switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%s", api-key-env = "ANT_KEY" } }
          switchboard.models {
            gpt { provider = oai, upstream-model = "gpt-4o" }
            claude { provider = claude, upstream-model = "claude-sonnet-4-5-20250929" }
          }
          """.formatted(openai.baseUrl(), anthropic.baseUrl()), Map.of("OAI_KEY", OPENAI_KEY, "ANT_KEY", ANTHROPIC_KEY))) {
        requests.accept(gateway);
      } finally {
        testKit.shutdownTestKit();
      }
      return log.lines();
    }
  }

  private static String expectError(HttpResponse<String> response) {
    assertTrue(response.statusCode() >= 400, response.statusCode() + " " + response.body());
    return response.body();
  }

  private static String streamed(TestGateway gateway, String path, String body) {
    HttpResponse<InputStream> response = gateway.postStreaming(path, body);
    assertEquals(200, response.statusCode());
    try (InputStream events = response.body()) {
      String all = new String(events.readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(all.contains("error"), "the stream ends with the upstream's error: " + all);
      return all;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
