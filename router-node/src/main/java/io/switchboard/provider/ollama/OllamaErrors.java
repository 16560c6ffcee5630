package io.switchboard.provider.ollama;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.ollama.ErrorBody;
import io.switchboard.api.openai.ErrorResponse;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Ollama's errors ({@code {"error": "..."}}) as {@link UpstreamException}s. A 404 is almost always a
 * model the server has not pulled; the client gets 404 {@code model_not_found} saying so and how to
 * pull it. Other 4xx pass on with Ollama's message in an OpenAI envelope; 401/403 (a proxy in front of
 * Ollama) are the gateway's credentials; 429 a rate limit; 5xx the server failing.
 */
public final class OllamaErrors {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private OllamaErrors() {}

  public static UpstreamException fromStatus(String provider, int status, String body, String model,
      Duration retryAfter) {
    String ollamaMessage = message(body).orElse(null);
    String message = "Provider '" + provider + "' answered HTTP " + status
        + (ollamaMessage == null ? "." : ": " + ollamaMessage);
    Kind kind = Kind.ofStatus(status);
    if (kind != Kind.REQUEST_REJECTED) {
      return new UpstreamException(kind, provider, message, status, body, retryAfter, null);
    }
    String envelope;
    if (status == 404 && (ollamaMessage == null || ollamaMessage.toLowerCase(Locale.ROOT).contains("not found"))) {
      envelope = json(ErrorResponse.of(notPulled(provider, model, ollamaMessage), "invalid_request_error", "model",
          "model_not_found"));
    } else {
      envelope = json(ErrorResponse.of(ollamaMessage == null ? message : ollamaMessage, "invalid_request_error", null,
          null));
    }
    return new UpstreamException(kind, provider, message, status, envelope, retryAfter, null);
  }

  /** An {@code error} line in the middle of a stream: the server gave up after it started answering. */
  public static UpstreamException fromStreamLine(String provider, String error) {
    return new UpstreamException(Kind.SERVER_ERROR, provider,
        "Provider '" + provider + "' failed in the middle of its answer: " + error, 500, null, null, null);
  }

  private static String notPulled(String provider, String model, String ollamaMessage) {
    return "The model '" + model + "' is not pulled on the Ollama server of provider '" + provider
        + "'. Pull it there first (`ollama pull " + model + "`, or POST /api/pull)"
        + (ollamaMessage == null ? "." : "; Ollama said: " + ollamaMessage);
  }

  /** The {@code error} of Ollama's body, when it is one. */
  public static Optional<String> message(String body) {
    if (body == null || body.isBlank()) return Optional.empty();
    try {
      ErrorBody parsed = MAPPER.readValue(body, ErrorBody.class);
      return parsed == null || parsed.error() == null ? Optional.empty() : Optional.of(parsed.error());
    } catch (java.io.IOException notJson) {
      return Optional.empty();
    }
  }

  private static String json(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
