package io.switchboard.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import io.switchboard.provider.FakeUpstream.Answer;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway in front of an OpenAI-compatible upstream: what reaches the upstream, what reaches the
 * client, and how each upstream failure is told to the client.
 */
@Tag("integration")
class OpenAiUpstreamTest {
  private static final String KEY = "sk-test-4f9a1c0e";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  /** The upstream client's setting: none here (Netty, the default); a subclass runs all on Pekko's host pool. */
  String client() {
    return "";
  }

  private TestGateway gateway(String baseUrl, String overrides) {
    gateway = gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.upstream {
          kind = openai
          max-in-flight = 4
          queue { max-size = 4, max-wait = 5s }
          timeouts { connect = 2s, first-byte = 3s, total = 5s, stream-idle = 1s }
          openai { base-url = "%s", api-key-env = "FAKE_OPENAI_KEY" }
          # Each failure on its own, as the adapter maps it: retries and the breaker are tested elsewhere.
          retries.max-attempts = 1
          breaker { consecutive-failures = 1000, minimum-calls = 1000 }
        }
        switchboard.models {
          gpt-4o-mini { provider = upstream, upstream-model = gpt-4o-mini }
          fast { provider = upstream, upstream-model = gpt-4o-mini }
        }
        %s
        %s
        """.formatted(baseUrl, client(), overrides), Map.of("FAKE_OPENAI_KEY", KEY));
    return gateway;
  }

  private TestGateway gateway() {
    return gateway(upstream.baseUrl(), "");
  }

  private static String chat(String model, String extra) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]" + extra + "}";
  }

  private static JsonNode json(String body) throws Exception {
    return JSON.readTree(body);
  }

  private void assertError(HttpResponse<String> response, int status, String type) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode error = json(response.body()).path("error");
    assertEquals(type, error.path("type").asText(), response.body());
    assertTrue(error.has("param") && error.has("code"), "OpenAI envelope has all four fields: " + response.body());
    assertFalse(error.path("message").asText().isBlank());
  }

  private void assertSlotsFree() {
    TestProbe<Object> probe = gateways.testKit().createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(0, gateway.status("upstream").inFlight(), "every slot handed back");
      return null;
    });
  }

  @Test
  void plainCompletion_forwardsTheClientsBytesAndReturnsTheUpstreamsBytes() throws Exception {
    gateway();
    // Odd spacing and fields the gateway does not know: both must reach the upstream untouched.
    String body = "{ \"model\" : \"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],"
        + "\"reasoning_effort\":\"low\", \"metadata\":{\"team\":\"search\"},\"temperature\":1 }";

    HttpResponse<String> response = gateway.post("/v1/chat/completions", body);

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(FakeOpenAi.completion("gpt-4o-mini"), response.body());
    assertEquals("upstream/gpt-4o-mini", response.headers().firstValue("x-switchboard-deployment").orElseThrow());
    assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
    FakeOpenAi.Received received = upstream.received().get(0);
    assertEquals("/v1/chat/completions", received.path());
    assertEquals(body, received.body().utf8String());
    assertEquals("Bearer " + KEY, received.authorization());
    assertSlotsFree();
  }

  @Test
  void aliasedModel_isRewrittenForTheUpstreamWithUnknownFieldsKept() throws Exception {
    gateway();
    String body = chat("fast", ",\"parallel_tool_calls\":false,\"metadata\":{\"team\":\"search\"}");

    HttpResponse<String> response = gateway.post("/v1/chat/completions", body);

    assertEquals(200, response.statusCode(), response.body());
    JsonNode sent = upstream.received().get(0).json();
    ObjectNode expected = (ObjectNode) json(body);
    expected.put("model", "gpt-4o-mini");
    assertEquals(expected, sent);
  }

  @Test
  void streaming_passesEveryChunkInOrderAndEndsWithDone() throws Exception {
    gateway();
    HttpResponse<InputStream> response =
        gateway.postStreaming("/v1/chat/completions", chat("gpt-4o-mini", ",\"stream\":true"));

    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
    List<String> events = new SseEvents(response.body()).all();
    assertEquals("[DONE]", events.get(events.size() - 1));
    List<String> chunks = events.subList(0, events.size() - 1);
    assertEquals("assistant", json(chunks.get(0)).path("choices").get(0).path("delta").path("role").asText());
    StringBuilder text = new StringBuilder();
    for (String chunk : chunks) {
      JsonNode node = json(chunk);
      assertEquals("chat.completion.chunk", node.path("object").asText());
      text.append(node.path("choices").get(0).path("delta").path("content").asText(""));
    }
    assertEquals(FakeOpenAi.CONTENT, text.toString());
    assertEquals("stop", json(chunks.get(chunks.size() - 1)).path("choices").get(0).path("finish_reason").asText());
    assertSlotsFree();
  }

  @Test
  void includeUsage_deliversTheUsageChunkBeforeDone() throws Exception {
    gateway();
    HttpResponse<InputStream> response = gateway.postStreaming("/v1/chat/completions",
        chat("gpt-4o-mini", ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));

    List<String> events = new SseEvents(response.body()).all();
    assertEquals("[DONE]", events.get(events.size() - 1));
    JsonNode usageChunk = json(events.get(events.size() - 2));
    assertEquals(0, usageChunk.path("choices").size());
    assertEquals(22, usageChunk.path("usage").path("total_tokens").asInt());
    assertTrue(json(events.get(1)).has("usage"), "per-chunk usage:null is passed through as sent");
  }

  @Test
  void upstream500_becomes502CarryingTheUpstreamsMessage() throws Exception {
    gateway();
    upstream.answer(FakeOpenAi.status(500, FakeOpenAi.envelope("The server had an error while processing your request.",
        "server_error")));

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""));

    assertError(response, 502, "upstream_error");
    assertEquals("upstream_http_500", json(response.body()).path("error").path("code").asText());
    assertTrue(response.body().contains("The server had an error"), response.body());
    assertSlotsFree();
  }

  @Test
  void upstream400_passesTheUpstreamsOwnEnvelopeThrough() throws Exception {
    gateway();
    String envelope = "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\","
        + "\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}";
    upstream.answer(FakeOpenAi.status(400, envelope));

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""));

    assertEquals(400, response.statusCode());
    assertEquals(json(envelope), json(response.body()));
  }

  @Test
  void upstream401_isTheGatewaysProblemNotTheClients() throws Exception {
    gateway();
    upstream.answer(FakeOpenAi.status(401, FakeOpenAi.envelope("Incorrect API key provided.", "invalid_request_error")));

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""));

    assertError(response, 502, "upstream_auth_error");
    assertFalse(response.body().contains(KEY), "the upstream key never reaches a client");
  }

  @Test
  void upstream429_keepsItsRetryAfter() throws Exception {
    gateway();
    upstream.answer(FakeOpenAi.status(429, FakeOpenAi.envelope("Rate limit reached for requests", "requests"),
        RawHeader.create("Retry-After", "7")));

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""));

    assertError(response, 429, "rate_limit_error");
    assertEquals("7", response.headers().firstValue("retry-after").orElseThrow());
    assertSlotsFree();
  }

  @Test
  void noResponseHeadersInTime_becomes504() throws Exception {
    gateway();
    upstream.answer(FakeOpenAi.silence());

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""));

    assertError(response, 504, "upstream_timeout");
    assertTrue(response.body().contains("first-byte"), response.body());
    assertSlotsFree();
  }

  @Test
  void bodyNotFinishedInTime_becomes504() throws Exception {
    gateway(upstream.baseUrl(), "switchboard.providers.upstream.timeouts.total = 1s");
    upstream.answer(upstream.stallAfterFirstChunk());

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""));

    assertError(response, 504, "upstream_timeout");
    assertTrue(response.body().contains("timeouts.total"), response.body());
    assertSlotsFree();
  }

  @Test
  void connectionPool_opensNoMoreConnectionsThanConfigured() throws Exception {
    for (int connections : new int[] {1, 4}) {
      // One connection serializes the four calls; first-byte must cover the wait in the pool.
      gateway(upstream.baseUrl(), "switchboard.providers.upstream { max-in-flight = 4, timeouts.first-byte = 10s, "
          + "connection-pool.max-connections = " + connections + " }");
      upstream.reset();
      upstream.answer(upstream.delayed(Duration.ofMillis(300)));

      List<CompletableFuture<HttpResponse<String>>> calls = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""))));
      }
      for (CompletableFuture<HttpResponse<String>> call : calls) {
        assertEquals(200, call.get(20, TimeUnit.SECONDS).statusCode());
      }
      if (connections == 1) {
        assertEquals(1, upstream.mostConcurrentRequests(), "one connection: one request at a time upstream");
      } else {
        assertTrue(upstream.mostConcurrentRequests() > 1, "four connections let requests overlap");
      }
      gateway.close(); // the next round starts a gateway with another pool
    }
  }

  @Test
  void streamThatGoesSilent_endsWithAStallErrorEvent() throws Exception {
    gateway();
    upstream.answer(upstream.stallAfterFirstChunk());

    HttpResponse<InputStream> response =
        gateway.postStreaming("/v1/chat/completions", chat("gpt-4o-mini", ",\"stream\":true"));

    assertEquals(200, response.statusCode());
    List<String> events = new SseEvents(response.body()).all();
    assertEquals(2, events.size(), events.toString());
    JsonNode error = json(events.get(1)).path("error");
    assertEquals("upstream_stall_timeout", error.path("type").asText());
    assertTrue(error.path("message").asText().contains("stream-idle"));
    assertSlotsFree();
  }

  @Test
  void streamCutBeforeItsFinish_endsWithAResetErrorEvent() throws Exception {
    gateway();
    upstream.answer(upstream.cutBeforeFinish());

    HttpResponse<InputStream> response =
        gateway.postStreaming("/v1/chat/completions", chat("gpt-4o-mini", ",\"stream\":true"));

    List<String> events = new SseEvents(response.body()).all();
    JsonNode last = json(events.get(events.size() - 1));
    assertEquals("upstream_reset", last.path("error").path("type").asText());
    assertFalse(events.contains("[DONE]"));
  }

  @Test
  void malformedOrEmpty200_becomes502NeverA200() throws Exception {
    gateway();
    upstream.answer(FakeOpenAi.rawOk("<html>upstream proxy error</html>"));
    assertError(gateway.post("/v1/chat/completions", chat("gpt-4o-mini", "")), 502, "upstream_malformed_response");

    upstream.answer(FakeOpenAi.rawOk("{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,"));
    assertError(gateway.post("/v1/chat/completions", chat("gpt-4o-mini", "")), 502, "upstream_malformed_response");

    upstream.answer(FakeOpenAi.rawOk("{\"unexpected\":true}"));
    assertError(gateway.post("/v1/chat/completions", chat("gpt-4o-mini", "")), 502, "upstream_malformed_response");

    upstream.answer(FakeOpenAi.rawOk(""));
    assertError(gateway.post("/v1/chat/completions", chat("gpt-4o-mini", "")), 502, "upstream_empty_response");
    assertSlotsFree();
  }

  @Test
  void connectionResetMidResponse_becomes502() throws Exception {
    try (ResettingServer resetting = new ResettingServer()) {
      gateway(resetting.baseUrl(), "");

      HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""));

      assertError(response, 502, "upstream_connection_error");
      assertSlotsFree();
    }
  }

  @Test
  void connectionRefused_becomes502() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    gateway("http://127.0.0.1:" + closedPort + "/v1", "");

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""));

    assertError(response, 502, "upstream_connection_error");
    assertSlotsFree();
  }

  @Test
  void connectionNotAcceptedInTime_becomes504NamingTheConnectTimeout() throws Exception {
    // A listener whose accept queue is full: the kernel drops further SYNs, so a connect neither
    // succeeds nor is refused, and only the connect timeout ends it.
    try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      List<java.net.Socket> fillers = new ArrayList<>();
      try {
        for (int i = 0; i < 16; i++) {
          java.net.Socket filler = new java.net.Socket();
          try {
            filler.connect(full.getLocalSocketAddress(), 300);
            fillers.add(filler);
          } catch (java.io.IOException queueFull) {
            filler.close();
            break;
          }
        }
        gateway("http://127.0.0.1:" + full.getLocalPort() + "/v1", "switchboard.providers.upstream.timeouts.connect = 1s");

        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""));

        assertError(response, 504, "upstream_timeout");
        assertTrue(json(response.body()).path("error").path("message").asText().contains("timeouts.connect"),
            response.body());
        assertSlotsFree();
      } finally {
        for (java.net.Socket filler : fillers) filler.close();
      }
    }
  }

  @Test
  void clientHangingUpMidStream_cancelsTheUpstreamStreamAndFreesTheSlot() throws Exception {
    gateway();
    upstream.answer(upstream.endlessStream(Duration.ofMillis(20)));

    HttpResponse<InputStream> response =
        gateway.postStreaming("/v1/chat/completions", chat("gpt-4o-mini", ",\"stream\":true"));
    SseEvents events = new SseEvents(response.body());
    for (int i = 0; i < 3; i++) assertTrue(events.next().contains("chat.completion.chunk"));
    assertEquals(1, gateway.status("upstream").inFlight());

    events.close();

    upstream.streamEnded().get(10, TimeUnit.SECONDS);
    assertSlotsFree();
  }

  @Test
  void slowStreams_doNotStarveShortRequests() throws Exception {
    gateway();
    Answer<FakeOpenAi.Received> slow = upstream.endlessStream(Duration.ofMillis(200));
    upstream.answer(r -> r.json().path("stream").asBoolean(false) ? slow.apply(r) : upstream.documented(r));

    List<SseEvents> streams = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      SseEvents events = new SseEvents(
          gateway.postStreaming("/v1/chat/completions", chat("gpt-4o-mini", ",\"stream\":true")).body());
      assertTrue(events.next().contains("chat.completion.chunk"));
      streams.add(events);
    }
    // Two of the provider's four slots (and pooled connections) carry streams that do not end;
    // short requests keep getting through on the others.
    for (int i = 0; i < 10; i++) {
      assertEquals(200, gateway.post("/v1/chat/completions", chat("gpt-4o-mini", "")).statusCode());
    }
    assertEquals(2, gateway.status("upstream").inFlight());
    for (SseEvents events : streams) events.close();
    assertSlotsFree();
  }

  @Test
  void clientHangingUpBeforeTheStreamStarts_stillFreesTheSlot() throws Exception {
    gateway();
    upstream.answer(upstream.delayed(Duration.ofMillis(500)));
    String body = chat("gpt-4o-mini", ",\"stream\":true");
    try (java.net.Socket client = new java.net.Socket("127.0.0.1", gateway.uri("/").getPort())) {
      client.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      client.getOutputStream().flush();
      TestProbe<Object> probe = gateways.testKit().createTestProbe();
      probe.awaitAssert(Duration.ofSeconds(5), () -> {
        assertEquals(1, upstream.received().size(), "the request reached the upstream");
        return null;
      });
    } // hang up while the upstream has not answered yet

    assertSlotsFree();
  }

  @Test
  void fullSlotsAndFullQueue_answer429WithRetryAfter() throws Exception {
    gateway(upstream.baseUrl(), "switchboard.providers.upstream { max-in-flight = 1, queue.max-size = 0 }");
    upstream.answer(upstream.endlessStream(Duration.ofMillis(50)));
    HttpResponse<InputStream> holder =
        gateway.postStreaming("/v1/chat/completions", chat("gpt-4o-mini", ",\"stream\":true"));
    assertEquals(200, holder.statusCode());

    HttpResponse<String> rejected = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", ""));

    assertError(rejected, 429, "rate_limit_error");
    assertEquals("rate_limit_exceeded", json(rejected.body()).path("error").path("code").asText());
    assertTrue(rejected.headers().firstValue("retry-after").isPresent());
    holder.body().close();
  }

  @Test
  void queuedRequest_isServedWhenTheSlotFrees() throws Exception {
    gateway(upstream.baseUrl(), "switchboard.providers.upstream { max-in-flight = 1, queue.max-size = 1 }");
    upstream.answer(r -> r.json().path("stream").asBoolean()
        ? upstream.endlessStream(Duration.ofMillis(50)).apply(r)
        : upstream.documented(r));
    HttpResponse<InputStream> holder =
        gateway.postStreaming("/v1/chat/completions", chat("gpt-4o-mini", ",\"stream\":true"));

    CompletableFuture<HttpResponse<String>> queued =
        CompletableFuture.supplyAsync(() -> gateway.post("/v1/chat/completions", chat("gpt-4o-mini", "")));
    TestProbe<Object> probe = gateways.testKit().createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(1, gateway.status("upstream").queued());
      return null;
    });
    assertFalse(queued.isDone(), "waits while the only slot is taken");

    holder.body().close();

    HttpResponse<String> served = queued.get(10, TimeUnit.SECONDS);
    assertEquals(200, served.statusCode(), served.body());
    assertNull(json(served.body()).get("error"));
  }
}
