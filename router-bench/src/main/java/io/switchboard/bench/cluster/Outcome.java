package io.switchboard.bench.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpTimeoutException;

/**
 * How one request of a failover run ended, as its client would judge it.
 *
 * <ul>
 *   <li>{@link Kind#SUCCEEDED}: a {@code chat.completion}, or a stream that ended in {@code data: [DONE]}
 *       without an error event.
 *   <li>{@link Kind#CLEAN_ERROR}: an error the client can act on: a non-200 status whose body is the
 *       OpenAI envelope ({@code {"error":{"message","type",...}}}), or a stream that ended in a
 *       {@code data: {"error": ...}} event.
 *   <li>{@link Kind#UNCLEAN_ERROR}: an answer, but not one a client can read: another status or body.
 *   <li>{@link Kind#LOST}: no answer at all: a timeout, a reset or refused connection, or a stream cut
 *       off with neither {@code [DONE]} nor an error event.
 * </ul>
 *
 * @param detail what a report groups by: {@code HTTP 429 rate_limit_exceeded}, {@code HttpTimeoutException}, ...
 */
public record Outcome(Kind kind, String detail) {

  public enum Kind { SUCCEEDED, CLEAN_ERROR, UNCLEAN_ERROR, LOST }

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String DONE = "data: [DONE]";
  private static final String ERROR_EVENT = "data: {\"error\"";

  /** The outcome of an answer with {@code status}, {@code contentType} and the whole {@code body}. */
  public static Outcome of(int status, String contentType, String body) {
    if (status == 200 && contentType.startsWith("text/event-stream")) return ofStream(body);
    if (status == 200) {
      JsonNode json = parse(body);
      return json != null && json.path("choices").isArray()
          ? new Outcome(Kind.SUCCEEDED, "HTTP 200")
          : new Outcome(Kind.UNCLEAN_ERROR, "HTTP 200 without a chat completion");
    }
    JsonNode error = envelope(parse(body));
    return error != null
        ? new Outcome(Kind.CLEAN_ERROR, "HTTP " + status + " " + reason(error))
        : new Outcome(Kind.UNCLEAN_ERROR, "HTTP " + status + " without the OpenAI error envelope");
  }

  /** The outcome of a request that got no answer: {@code failure} as the HTTP client reported it. */
  public static Outcome of(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && !(cause instanceof HttpTimeoutException)) cause = cause.getCause();
    String name = cause.getClass().getSimpleName();
    if (cause instanceof HttpTimeoutException) return new Outcome(Kind.LOST, "timed out");
    if (cause instanceof java.net.ConnectException) return new Outcome(Kind.LOST, "connection refused");
    if (cause instanceof IOException && cause.getMessage() != null) {
      String message = cause.getMessage().toLowerCase(java.util.Locale.ROOT);
      if (message.contains("reset")) return new Outcome(Kind.LOST, "connection reset");
      if (message.contains("closed") || message.contains("eof")) return new Outcome(Kind.LOST, "connection closed");
    }
    return new Outcome(Kind.LOST, name);
  }

  private static Outcome ofStream(String body) {
    int errorAt = body.indexOf(ERROR_EVENT);
    if (errorAt >= 0) {
      int end = body.indexOf("\n\n", errorAt);
      JsonNode error = envelope(parse(body.substring(errorAt + "data: ".length(), end < 0 ? body.length() : end)));
      return new Outcome(Kind.CLEAN_ERROR, "stream error event " + (error == null ? "(unreadable)" : reason(error)));
    }
    if (body.contains(DONE)) return new Outcome(Kind.SUCCEEDED, "stream");
    return new Outcome(Kind.LOST, "stream cut without [DONE] or an error event");
  }

  /** The inner {@code error} object when {@code json} is the OpenAI envelope with a message and type. */
  private static JsonNode envelope(JsonNode json) {
    if (json == null) return null;
    JsonNode error = json.path("error");
    return error.path("message").isTextual() && error.has("type") ? error : null;
  }

  private static String reason(JsonNode error) {
    JsonNode code = error.path("code");
    return code.isTextual() ? code.asText() : error.path("type").asText();
  }

  private static JsonNode parse(String body) {
    try {
      return MAPPER.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }
}
