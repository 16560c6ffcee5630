package io.switchboard.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.Guardian;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.TestStores;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Anthropic client's request to an OpenAI upstream is read once: the node's own JSON factory
 * counts every document it parses, and the client's request (or its OpenAI translation, which the
 * node once wrote and read back) is parsed exactly once on the way in.
 */
@Tag("integration")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecodeOnceTest {
  private static final String MARKER = "decode-once-marker-7f3a";

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();

  @JUnit5TestKit final ActorTestKit testKit;

  DecodeOnceTest(@TempDir Path dataDir) {
    testKit = new JUnit5TestKitBuilder().withCustomConfig(TestStores.h2(dataDir)).build();
  }

  /** A JSON factory that remembers every document parsed from bytes or text. */
  static final class CountingFactory extends JsonFactory {
    final List<String> parsed;

    CountingFactory(List<String> parsed) {
      this.parsed = parsed;
    }

    @Override
    public JsonFactory copy() {
      return new CountingFactory(parsed);
    }

    @Override
    protected JsonParser _createParser(byte[] data, int offset, int len, IOContext ctxt) throws IOException {
      parsed.add(new String(data, offset, len, StandardCharsets.UTF_8));
      return super._createParser(data, offset, len, ctxt);
    }

    @Override
    protected JsonParser _createParser(char[] data, int offset, int len, IOContext ctxt, boolean recyclable)
        throws IOException {
      parsed.add(new String(data, offset, len));
      return super._createParser(data, offset, len, ctxt, recyclable);
    }
  }

  @Test
  void anthropicRequestToAnOpenAiUpstream_isDecodedOnceOnTheWayIn() throws Exception {
    List<String> parsed = new CopyOnWriteArrayList<>();
    ObjectMapper counting = OpenAiJson.newMapper(new CountingFactory(parsed));
    Config config = ConfigFactory.parseString("""
        switchboard.providers.openai { kind = openai, openai { base-url = "%s" } }
        switchboard.models.gpt { provider = openai, upstream-model = "gpt-4o-mini" }
        """.formatted(upstream.baseUrl())).withFallback(testKit.system().settings().config()).resolve();
    SwitchboardSettings settings = SwitchboardSettings.from(config, Map.<String, String>of()::get);
    settings = settings.withHttp(settings.http().withPort(0));
    CompletableFuture<Guardian.Started> started = new CompletableFuture<>();
    testKit.spawn(Guardian.create(settings, counting, started));
    int port = started.get(20, TimeUnit.SECONDS).binding().localAddress().getPort();

    String body = """
        {"model":"gpt","max_tokens":64,"messages":[{"role":"user","content":"%s"}]}""".formatted(MARKER);
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/messages"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .header("anthropic-version", "2023-06-01")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(200, response.statusCode(), response.body());
    JsonNode message = new ObjectMapper().readTree(response.body());
    assertEquals("message", message.path("type").asText(), "answered as an Anthropic message");
    JsonNode sent = upstream.received().get(0).json();
    assertEquals(MARKER, sent.path("messages").get(0).path("content").asText(), "the upstream got the translation");
    List<String> requestReads = parsed.stream().filter(document -> document.contains(MARKER)).toList();
    assertEquals(1, requestReads.size(), "documents holding the request that the node parsed: " + requestReads);
    assertEquals(body, requestReads.get(0), "the one read is of the client's own bytes");
  }
}
