package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.anthropic.ErrorEnvelope;
import io.switchboard.api.anthropic.ErrorInfo;
import io.switchboard.api.openai.ErrorResponse;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import java.time.Duration;
import java.util.Optional;

/**
 * Anthropic's errors as {@link UpstreamException}s. The kind follows the status: 401 and 403 are the
 * gateway's key at fault; 429 a rate limit; 529 ({@code overloaded_error}) the upstream without
 * capacity for now; 5xx, and statuses Anthropic never sends (3xx), the upstream failing; other 4xx the
 * request itself ({@link Kind#ofStatus}). For a rejected request the exception's body is an OpenAI
 * envelope built from Anthropic's message, so the client gets the same status with a message it can
 * act on in the dialect it speaks.
 */
public final class AnthropicErrors {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Anthropic's status for {@code overloaded_error}; not a standard HTTP status. */
  public static final int OVERLOADED_STATUS = 529;

  private AnthropicErrors() {}

  /** An error answer: its status, body and {@code retry-after}. */
  public static UpstreamException fromStatus(String provider, int status, String body, Duration retryAfter) {
    Optional<ErrorInfo> info = parse(body);
    String type = info.map(ErrorInfo::type).orElse(null);
    String message = info.map(ErrorInfo::message)
        .map(m -> "Provider '" + provider + "' answered HTTP " + status + (type == null ? "" : " (" + type + ")")
            + ": " + m)
        .orElse("Provider '" + provider + "' answered HTTP " + status + ".");
    Kind kind = status == OVERLOADED_STATUS ? Kind.OVERLOADED : Kind.ofStatus(status);
    String upstreamBody = kind == Kind.REQUEST_REJECTED
        ? openAiEnvelope(status, type, info.map(ErrorInfo::message).orElse(message))
        : body;
    return new UpstreamException(kind, provider, message, status, upstreamBody, retryAfter, null);
  }

  /** An {@code error} event in the middle of a stream, told as the status its type stands for. */
  public static UpstreamException fromStreamError(String provider, ErrorInfo error) {
    String type = error == null ? ErrorInfo.API : error.type();
    int status = statusOf(type);
    String body = json(ErrorEnvelope.of(type, error == null ? "stream error" : error.message()));
    return fromStatus(provider, status, body, null);
  }

  /** The HTTP status Anthropic documents for an error type. */
  public static int statusOf(String type) {
    if (type == null) return 500;
    return switch (type) {
      case ErrorInfo.INVALID_REQUEST -> 400;
      case ErrorInfo.AUTHENTICATION -> 401;
      case ErrorInfo.PERMISSION -> 403;
      case ErrorInfo.NOT_FOUND -> 404;
      case ErrorInfo.REQUEST_TOO_LARGE -> 413;
      case ErrorInfo.RATE_LIMIT -> 429;
      case ErrorInfo.OVERLOADED -> 529;
      default -> 500;
    };
  }

  private static String openAiEnvelope(int status, String anthropicType, String message) {
    String code = switch (status) {
      case 404 -> message.toLowerCase(java.util.Locale.ROOT).contains("model") ? "model_not_found" : "not_found";
      case 413 -> "request_too_large";
      default -> anthropicType;
    };
    return json(ErrorResponse.of(message, "invalid_request_error", null, code));
  }

  private static Optional<ErrorInfo> parse(String body) {
    if (body == null || body.isBlank()) return Optional.empty();
    try {
      ErrorEnvelope envelope = MAPPER.readValue(body, ErrorEnvelope.class);
      return envelope == null || envelope.error() == null || envelope.error().message() == null
          ? Optional.empty() : Optional.of(envelope.error());
    } catch (java.io.IOException notAnEnvelope) {
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
