package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.TestGateway;
import io.switchboard.persistence.TestStores;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whatever status an upstream answers with, the client gets a deliberate answer in its own dialect,
 * never the gateway's 500 {@code internal_error}: a standard 4xx is the request's fault and passes on
 * with the upstream's envelope; a status the gateway cannot pass on (a nonstandard 4xx such as 460, a
 * redirect, an unknown 5xx) is a 502 {@code upstream_error} that names it.
 */
@Tag("integration")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamStatusTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHAT = "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  private static final String MESSAGES =
      "{\"model\":\"gpt\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();

  @JUnit5TestKit final ActorTestKit testKit;
  private TestGateway gateway;

  UpstreamStatusTest(@TempDir Path dataDir) {
    testKit = new JUnit5TestKitBuilder().withCustomConfig(TestStores.h2(dataDir)).build();
  }

  @BeforeAll
  void start() {
    gateway = TestGateway.start(testKit, """
        switchboard.provider-defaults {
          retries.max-attempts = 1
          breaker { consecutive-failures = 1000, minimum-calls = 1000 }
        }
        switchboard.providers.oai { kind = openai, openai { base-url = "%s" } }
        switchboard.models.gpt { provider = oai, upstream-model = "gpt-4o" }
        """.formatted(upstream.baseUrl()));
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  @ParameterizedTest
  @ValueSource(ints = {460, 499, 302, 307, 520, 599})
  void statusTheGatewayCannotPassOn_is502UpstreamErrorNamingIt(int status) throws Exception {
    upstream.answer(FakeOpenAi.status(status, FakeOpenAi.envelope("odd answer", "odd")));

    HttpResponse<String> openAi = gateway.post("/v1/chat/completions", CHAT);
    assertEquals(502, openAi.statusCode(), openAi.body());
    JsonNode error = JSON.readTree(openAi.body()).path("error");
    assertEquals("upstream_error", error.path("type").asText(), openAi.body());
    assertEquals("upstream_http_" + status, error.path("code").asText(), openAi.body());
    assertTrue(error.path("message").asText().contains("HTTP " + status), openAi.body());

    HttpResponse<String> anthropic = gateway.post("/v1/messages", MESSAGES);
    assertEquals(502, anthropic.statusCode(), anthropic.body());
    JsonNode envelope = JSON.readTree(anthropic.body());
    assertEquals("error", envelope.path("type").asText(), anthropic.body());
    assertEquals("api_error", envelope.path("error").path("type").asText(), anthropic.body());
    assertTrue(envelope.path("error").path("message").asText().contains("HTTP " + status), anthropic.body());
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 404, 409, 422})
  void standardClientError_passesOnWithTheUpstreamsEnvelope(int status) throws Exception {
    upstream.answer(FakeOpenAi.status(status, FakeOpenAi.envelope("the upstream's reason", "invalid_request_error")));

    HttpResponse<String> response = gateway.post("/v1/chat/completions", CHAT);

    assertEquals(status, response.statusCode(), response.body());
    assertEquals("the upstream's reason", JSON.readTree(response.body()).path("error").path("message").asText());
  }
}
