package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.bench.cluster.Outcome.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class OutcomeTest {
  private static final String JSON = "application/json";
  private static final String SSE = "text/event-stream";

  @Test
  void aChatCompletion_orAStreamEndingInDone_succeeded() {
    assertEquals(Kind.SUCCEEDED, Outcome.of(200, JSON, "{\"id\":\"x\",\"choices\":[]}").kind());
    assertEquals(Kind.SUCCEEDED, Outcome.of(200, SSE + "; charset=utf-8",
        "data: {\"choices\":[]}\n\ndata: [DONE]\n\n").kind());
  }

  @Test
  void anErrorInTheOpenAiEnvelope_isClean_andNamedByItsCode() {
    Outcome o = Outcome.of(429, JSON,
        "{\"error\":{\"message\":\"wait\",\"type\":\"rate_limit_error\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
    assertEquals(new Outcome(Kind.CLEAN_ERROR, "HTTP 429 rate_limit_exceeded"), o);
    assertEquals(new Outcome(Kind.CLEAN_ERROR, "HTTP 503 server_error"),
        Outcome.of(503, JSON, "{\"error\":{\"message\":\"m\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"));
  }

  @Test
  void aStreamEndingInAnErrorEvent_isClean() {
    Outcome o = Outcome.of(200, SSE, "data: {\"choices\":[]}\n\n"
        + "data: {\"error\":{\"message\":\"cut\",\"type\":\"server_error\",\"param\":null,\"code\":\"upstream_stream_cut\"}}\n\n");
    assertEquals(new Outcome(Kind.CLEAN_ERROR, "stream error event upstream_stream_cut"), o);
  }

  @Test
  void answersAClientCannotRead_areUnclean() {
    assertEquals(Kind.UNCLEAN_ERROR, Outcome.of(502, "text/html", "<html>bad gateway</html>").kind());
    assertEquals(Kind.UNCLEAN_ERROR, Outcome.of(200, JSON, "not json").kind());
  }

  @Test
  void noAnswer_isLost() {
    assertEquals(new Outcome(Kind.LOST, "stream cut without [DONE] or an error event"),
        Outcome.of(200, SSE, "data: {\"choices\":[]}\n\n"));
    assertEquals(new Outcome(Kind.LOST, "timed out"), Outcome.of(new CompletionException(new HttpTimeoutException("t"))));
    assertEquals(new Outcome(Kind.LOST, "connection refused"), Outcome.of(new CompletionException(new ConnectException())));
    assertEquals(new Outcome(Kind.LOST, "connection reset"),
        Outcome.of(new CompletionException(new IOException("Connection reset"))));
    assertEquals(new Outcome(Kind.LOST, "connection closed"),
        Outcome.of(new CompletionException(new IOException("HTTP/1.1 header parser received no bytes", new IOException("EOF reached while reading")))));
  }
}
