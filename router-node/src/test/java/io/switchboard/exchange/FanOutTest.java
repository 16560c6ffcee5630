package io.switchboard.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.FakeUpstream;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fan-outs seen by a client, with fake OpenAI upstreams of controlled latency and answers: hedging, vote,
 * judge and fuse, a failed or slow candidate left out, the client's departure cancelling every call, and
 * each call's usage record under the request's id.
 */
@Tag("integration")
class FanOutTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi a = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi b = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi c = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi d = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  /** Four providers, one model on each (ma..md), and {@code fanOuts}. */
  private TestGateway gateway(String fanOuts) {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults {
          retries { max-attempts = 1 }
          breaker { consecutive-failures = 100 }
        }
        switchboard.providers.pa { kind = openai, openai.base-url = "%s" }
        switchboard.providers.pb { kind = openai, openai.base-url = "%s" }
        switchboard.providers.pc { kind = openai, openai.base-url = "%s" }
        switchboard.providers.pd { kind = openai, openai.base-url = "%s" }
        switchboard.models.ma { provider = pa, upstream-model = "gpt-a" }
        switchboard.models.mb { provider = pb, upstream-model = "gpt-b" }
        switchboard.models.mc { provider = pc, upstream-model = "gpt-c" }
        switchboard.models.md { provider = pd, upstream-model = "gpt-d" }
        %s
        """.formatted(a.baseUrl(), b.baseUrl(), c.baseUrl(), d.baseUrl(), fanOuts));
  }

  /** A chat completion as OpenAI documents it, saying {@code text}. */
  static String completion(String model, String text) {
    return "{\"id\":\"chatcmpl-" + model + "\",\"object\":\"chat.completion\",\"created\":1741569952,\"model\":\""
        + model + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        + quoted(text) + ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":5,\"total_tokens\":25}}";
  }

  static FakeUpstream.Answer<FakeOpenAi.Received> says(String text) {
    return r -> FakeUpstream.<FakeOpenAi.Received>status(200, completion(r.json().path("model").asText(), text))
        .apply(r);
  }

  private static String quoted(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String body(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of France?\"}]}";
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new AssertionError(text, e);
    }
  }

  private static String content(HttpResponse<String> response) {
    return json(response.body()).path("choices").path(0).path("message").path("content").asText();
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse("");
  }

  private HttpResponse<String> post(TestGateway gateway, String body) {
    return post(gateway, body, Duration.ofSeconds(30));
  }

  private HttpResponse<String> post(TestGateway gateway, String body, Duration timeout) {
    return gateway.send(gateway.request("/v1/chat/completions").header("Content-Type", "application/json")
            .header(FanOut.DETAIL_HEADER, "true").timeout(timeout)
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void await(Runnable assertion) {
    TestProbe<Object> probe = gateways.testKit().createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(10), () -> {
      assertion.run();
      return null;
    });
  }

  // ---- first -------------------------------------------------------------------------------------

  @Test
  void aSlowFirstCandidate_losesToTheHedge_whoseCallIsClosed_andChargedItsPromptOnly() throws Exception {
    a.answer(a.slowBody());
    b.answer(says("Paris"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.hedge { strategy = first, candidates = [ma, mb],"
        + " hedge { delay = 100ms } }")) {
      HttpResponse<String> response = post(gateway, body("hedge", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Paris", content(response));
      assertEquals("pb/gpt-b", header(response, "x-switchboard-deployment"));
      assertEquals("first; candidate mb (2 of 2)", header(response, "x-switchboard-fan-out"));
      assertTrue(header(response, "x-switchboard-fan-out-candidates").contains("candidate ma=cancelled"),
          header(response, "x-switchboard-fan-out-candidates"));
      a.streamEnded().get(10, TimeUnit.SECONDS); // the slow candidate's connection was closed
      String id = header(response, "x-request-id");
      await(() -> {
        JsonNode records = usage(gateway, id);
        assertEquals(2, records.size(), records.toString());
        JsonNode cancelled = byDeployment(records, "pa/gpt-a");
        assertTrue(cancelled.path("prompt_tokens").asLong() > 0, "the cancelled call is charged its prompt");
        assertEquals(0, cancelled.path("completion_tokens").asLong(), "and nothing it did not send");
        assertEquals(25, byDeployment(records, "pb/gpt-b").path("total_tokens").asLong());
      });
    }
  }

  @Test
  void aFastFirstCandidate_answersAlone_andNoHedgeIsSent() {
    a.answer(says("Paris"));
    b.answer(says("Lyon"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.hedge { strategy = first, candidates = [ma, mb],"
        + " hedge { delay = 5s } }")) {
      HttpResponse<String> response = post(gateway, body("hedge", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Paris", content(response));
      assertEquals(0, b.received().size(), "the hedge is only sent when the first candidate is late");
    }
  }

  @Test
  void whenStreaming_theFirstCandidateToSendAToken_wins_andOnlyItStreams() throws Exception {
    a.answer(a.stallAfterFirstChunk()); // opens its stream (role chunk) and then says nothing
    try (TestGateway gateway = gateway("switchboard.fan-outs.race { strategy = first, candidates = [ma, mb] }")) {
      HttpResponse<String> response = post(gateway, body("race", true));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("pb/gpt-b", header(response, "x-switchboard-deployment"));
      assertTrue(response.body().contains("\"Hello\"") && response.body().endsWith("data: [DONE]\n\n"),
          response.body());
      assertTrue(!response.body().contains("gpt-a"), "nothing of the losing stream reaches the client");
      a.streamEnded().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aHedgeDelayFollowingTheFirstCandidatesP90_firesOnceItHasHistory_andIsCounted() {
    a.answer(r -> r.json().toString().contains("warm-up") ? says("Paris").apply(r) : a.slowBody().apply(r));
    b.answer(says("Paris"));
    try (TestGateway gateway = gateway("""
        switchboard.history.refresh-interval = 100ms
        switchboard.fan-outs.hedge { strategy = first, candidates = [ma, mb], hedge { delay = 60s, percentile = 90 } }
        """)) {
      for (int i = 0; i < 5; i++) {
        assertEquals(200, gateway.post("/v1/chat/completions",
            "{\"model\":\"ma\",\"messages\":[{\"role\":\"user\",\"content\":\"warm-up\"}]}").statusCode());
      }
      // Without history the hedge would wait 60 s; with ma's p90 of a few milliseconds it fires at once.
      await(() -> {
        HttpResponse<String> response = post(gateway, body("hedge", false), Duration.ofSeconds(3));
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("pb/gpt-b", header(response, "x-switchboard-deployment"));
      });

      String metrics = gateway.get("/metrics").body();
      assertTrue(metrics.contains("switchboard_fanout_hedges_fired_total{fan_out=\"hedge\"}"), metrics);
      assertTrue(metrics.contains("switchboard_fanout_hedges_won_total{fan_out=\"hedge\"}"), metrics);
      assertTrue(metrics.contains("switchboard_fanouts_total{fan_out=\"hedge\",outcome=\"answered\",strategy=\"first\"}"),
          metrics);
    }
  }

  @Test
  void aCandidateMayBeAnAutoRoute() {
    a.answer(says("Paris"));
    b.answer(b.delayed(Duration.ofSeconds(5), says("Lyon")));
    try (TestGateway gateway = gateway("""
        switchboard.routes.smart { candidates = [ma] }
        switchboard.fan-outs.race { strategy = first, candidates = [smart, mb] }
        """)) {
      HttpResponse<String> response = post(gateway, body("race", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Paris", content(response));
      assertEquals("first; candidate smart (1 of 2)", header(response, "x-switchboard-fan-out"));
    }
  }

  @Test
  void aCandidateThatFails_isLeftOut_andTheNextOneStartsAtOnce() {
    a.answer(FakeUpstream.status(500, FakeOpenAi.envelope("The server had an error", "server_error")));
    b.answer(says("Paris"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.hedge { strategy = first, candidates = [ma, mb],"
        + " hedge { delay = 20s } }")) {
      HttpResponse<String> response = post(gateway, body("hedge", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Paris", content(response));
    }
  }

  @Test
  void whenEveryCandidateFails_theClientGetsAnUpstreamError() {
    a.answer(FakeUpstream.status(500, FakeOpenAi.envelope("The server had an error", "server_error")));
    b.answer(FakeUpstream.status(500, FakeOpenAi.envelope("The server had an error", "server_error")));
    try (TestGateway gateway = gateway("switchboard.fan-outs.race { strategy = first, candidates = [ma, mb] }")) {
      HttpResponse<String> response = post(gateway, body("race", false));

      assertEquals(502, response.statusCode(), response.body());
      assertTrue(json(response.body()).path("error").has("message"), response.body());
    }
  }

  // ---- vote --------------------------------------------------------------------------------------

  @Test
  void vote_returnsTheMajority_andSaysHowManyAgreed() {
    a.answer(says("Paris"));
    b.answer(says("  paris \n"));
    c.answer(says("London"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [ma, mb, mc],"
        + " candidate-timeout = 10s }")) {
      c.answer(c.delayed(Duration.ofSeconds(1), says("London")));
      HttpResponse<String> response = post(gateway, body("vote", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Paris", content(response));
      assertEquals("2/3", header(response, "x-switchboard-consensus"));
    }
  }

  @Test
  void vote_answersAStreamingClientWithTheChosenAnswerAsAStream() {
    a.answer(says("Paris"));
    b.answer(says("Paris"));
    c.answer(says("London"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [ma, mb, mc] }")) {
      HttpResponse<String> response = post(gateway, body("vote", true));

      assertEquals(200, response.statusCode(), response.body());
      assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
      assertTrue(response.body().contains("Paris") && response.body().endsWith("data: [DONE]\n\n"), response.body());
      assertTrue(header(response, "x-switchboard-consensus").startsWith("2/3"));
      assertTrue(!a.received().get(0).json().path("stream").asBoolean(), "candidates answer whole for a vote");
    }
  }

  @Test
  void vote_comparesJsonAnswersCanonically() {
    a.answer(says("{\"city\": \"Paris\", \"country\": \"FR\"}"));
    b.answer(says("```json\n{\"country\":\"FR\",\"city\":\"Paris\"}\n```"));
    c.answer(says("{\"city\": \"Lyon\", \"country\": \"FR\"}"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [ma, mb, mc],"
        + " vote { normalize = json } }")) {
      HttpResponse<String> response = post(gateway, body("vote", false));

      assertEquals(200, response.statusCode(), response.body());
      assertTrue(content(response).contains("Paris"), response.body());
      assertTrue(header(response, "x-switchboard-consensus").startsWith("2/3"), response.headers().toString());
    }
  }

  @Test
  void vote_withoutQuorum_answers502NoConsensus_namingTheSplit() {
    a.answer(says("Paris"));
    b.answer(says("Lyon"));
    c.answer(says("Nice"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [ma, mb, mc] }")) {
      HttpResponse<String> response = post(gateway, body("vote", false));

      assertEquals(502, response.statusCode(), response.body());
      JsonNode error = json(response.body()).path("error");
      assertEquals("no_consensus", error.path("code").asText(), response.body());
      assertTrue(error.path("message").asText().contains("[ma] vs [mb] vs [mc]"), response.body());
    }
  }

  @Test
  void vote_withoutQuorum_canAnswerTheBestGroup_flagged() {
    a.answer(says("Paris"));
    b.answer(says("Lyon"));
    c.answer(says("Nice"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [ma, mb, mc],"
        + " vote { no-quorum = best } }")) {
      HttpResponse<String> response = post(gateway, body("vote", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Paris", content(response));
      assertEquals("1/3; no quorum (2 needed)", header(response, "x-switchboard-consensus"));
    }
  }

  @Test
  void vote_goesOn_whenOneCandidateIs429_anotherIs500_andAnotherTimesOut() {
    a.answer(FakeUpstream.status(429, FakeOpenAi.envelope("Rate limit reached", "requests")));
    b.answer(FakeUpstream.status(500, FakeOpenAi.envelope("The server had an error", "server_error")));
    c.answer(says("Paris"));
    d.answer(says("Paris"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [ma, mb, mc, md],"
        + " vote { quorum = 2 } }")) {
      HttpResponse<String> response = post(gateway, body("vote", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Paris", content(response));
      assertEquals("2/4", header(response, "x-switchboard-consensus"));
    }
    a.answer(FakeUpstream.silence());
    b.answer(says("Paris"));
    c.answer(says("Paris"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [ma, mb, mc],"
        + " candidate-timeout = 300ms }")) {
      HttpResponse<String> response = post(gateway, body("vote", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("2/3", header(response, "x-switchboard-consensus"));
    }
  }

  @Test
  void vote_goesOn_whenACandidatesAnswerIsCutMidBody() {
    a.answer(r -> CompletableFuture.completedFuture(org.apache.pekko.http.javadsl.model.HttpResponse.create()
        .withEntity(HttpEntities.createChunked(
        ContentTypes.APPLICATION_JSON, Source.single(ByteString.fromString("{\"id\":\"chatcmpl-cut\",\"choices\":[{"))
            .concat(Source.failed(new IllegalStateException("connection reset")))))));
    b.answer(says("Paris"));
    c.answer(says("Paris"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [ma, mb, mc] }")) {
      HttpResponse<String> response = post(gateway, body("vote", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("2/3", header(response, "x-switchboard-consensus"));
    }
  }

  // ---- judge and fuse ----------------------------------------------------------------------------

  @Test
  void judge_getsEveryAnswer_andItsChoiceIsReturned_withItsReason() {
    a.answer(says("Lyon"));
    b.answer(says("Paris"));
    c.answer(says("{\"choice\": 2, \"reason\": \"Paris is the capital.\"}"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.judged { strategy = judge, candidates = [ma, mb],"
        + " judge { model = mc, rubric = \"Pick the correct answer.\" } }")) {
      HttpResponse<String> response = post(gateway, body("judged", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Paris", content(response));
      assertEquals("2 mb", header(response, "x-switchboard-judge-choice"));
      assertEquals("Paris is the capital.", header(response, "x-switchboard-judge-reason"));
      String asked = c.received().get(0).json().toString();
      assertTrue(asked.contains("Lyon") && asked.contains("Paris") && asked.contains("Pick the correct answer."), asked);
    }
  }

  @Test
  void judge_thatFails_keepsTheFirstAnswer_andSaysSo() {
    a.answer(says("Lyon"));
    b.answer(says("Paris"));
    c.answer(FakeUpstream.status(500, FakeOpenAi.envelope("The server had an error", "server_error")));
    try (TestGateway gateway = gateway("switchboard.fan-outs.judged { strategy = judge, candidates = [ma, mb],"
        + " judge { model = mc } }")) {
      HttpResponse<String> response = post(gateway, body("judged", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Lyon", content(response));
      assertTrue(header(response, "x-switchboard-judge-reason").startsWith("the judge failed"),
          response.headers().toString());
    }
  }

  @Test
  void oneDeadlineCoversTheWholeFanOut_theJudgeGetsOnlyWhatIsLeft() {
    try (TestGateway gateway = gateway("""
        switchboard.provider-defaults.timeouts.total = 1500ms
        switchboard.fan-outs.judged { strategy = judge, candidates = [ma, mb], judge { model = mc } }
        """)) {
      // A first request loads what the path loads once (the tokenizer's tables), outside the measured one.
      a.answer(says("warm"));
      assertEquals(200, gateway.post("/v1/chat/completions", body("ma", false)).statusCode());
      // The candidates take 1 s of the 1.5 s deadline; a judge with its own 1.5 s would answer after 1 s.
      a.answer(a.delayed(Duration.ofMillis(1000), says("Lyon")));
      b.answer(b.delayed(Duration.ofMillis(1000), says("Paris")));
      c.answer(c.delayed(Duration.ofMillis(1000), says("{\"choice\": 2, \"reason\": \"Paris.\"}")));
      HttpResponse<String> response = post(gateway, body("judged", false));

      assertEquals(200, response.statusCode(), response.body());
      assertTrue(header(response, "x-switchboard-judge-reason").startsWith("the judge failed"),
          "the judge was cut at the fan-out's deadline: " + response.headers());
      assertEquals("Lyon", content(response));
    }
  }

  @Test
  void fuse_givesTheFuserEveryDraft_andStreamsItsAnswer() {
    a.answer(says("Draft about Paris"));
    b.answer(says("Draft about the Seine"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.fused { strategy = fuse, candidates = [ma, mb],"
        + " fuse { model = mc } }")) {
      HttpResponse<String> response = post(gateway, body("fused", true));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("pc/gpt-c", header(response, "x-switchboard-deployment"));
      assertEquals("2 drafts: ma, mb", header(response, "x-switchboard-fused"));
      assertTrue(response.body().contains("\"Hello\"") && response.body().endsWith("data: [DONE]\n\n"),
          response.body());
      JsonNode asked = c.received().get(0).json();
      assertTrue(asked.path("stream").asBoolean(), "the fuser streams when the client asked for a stream");
      assertTrue(asked.toString().contains("Draft about Paris") && asked.toString().contains("Draft about the Seine"),
          asked.toString());
    }
  }

  @Test
  void everyCallOfAFanOut_isRecordedUnderTheRequestsId_andGroupedByIt() {
    a.answer(says("Paris"));
    b.answer(says("Paris"));
    c.answer(says("Paris"));
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [ma, mb, mc],"
        + " vote { quorum = 3 } }")) {
      HttpResponse<String> response = post(gateway, body("vote", false));
      assertEquals(200, response.statusCode(), response.body());
      String id = header(response, "x-request-id");

      await(() -> {
        JsonNode groups = json(gateway.get("/admin/usage?group_by=request,route").body()).path("data");
        JsonNode mine = null;
        for (JsonNode g : groups) if (id.equals(g.path("request_id").asText())) mine = g;
        assertTrue(mine != null, groups.toString());
        assertEquals(3, mine.path("requests").asLong());
        assertEquals("vote", mine.path("route").asText());
        assertEquals(75, mine.path("total_tokens").asLong());
      });
    }
  }

  // ---- the client leaves -------------------------------------------------------------------------

  @Test
  void aClientThatLeaves_cancelsEveryCandidate() throws Exception {
    a.answer(a.slowBody());
    b.answer(b.slowBody());
    c.answer(c.slowBody());
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [ma, mb, mc] }")) {
      Socket client = send(gateway, body("vote", false));
      await(() -> assertEquals(3, a.received().size() + b.received().size() + c.received().size()));

      client.close();

      a.streamEnded().get(10, TimeUnit.SECONDS);
      b.streamEnded().get(10, TimeUnit.SECONDS);
      c.streamEnded().get(10, TimeUnit.SECONDS);
      await(() -> {
        assertEquals(0, gateway.status("pa").inFlight());
        assertEquals(0, gateway.status("pb").inFlight());
        assertEquals(0, gateway.status("pc").inFlight());
      });
    }
  }

  private static Socket send(TestGateway gateway, String body) throws Exception {
    URI uri = gateway.uri("/v1/chat/completions");
    Socket socket = new Socket(uri.getHost(), uri.getPort());
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + uri.getHost()
        + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
    return socket;
  }

  private JsonNode usage(TestGateway gateway, String requestId) {
    JsonNode groups = json(gateway.get("/admin/usage?group_by=request,deployment").body()).path("data");
    com.fasterxml.jackson.databind.node.ArrayNode mine = JSON.createArrayNode();
    for (JsonNode g : groups) if (requestId.equals(g.path("request_id").asText())) mine.add(g);
    return mine;
  }

  private static JsonNode byDeployment(JsonNode records, String deployment) {
    for (JsonNode r : records) if (deployment.equals(r.path("deployment").asText())) return r;
    throw new AssertionError("no record of " + deployment + " in " + records);
  }
}
