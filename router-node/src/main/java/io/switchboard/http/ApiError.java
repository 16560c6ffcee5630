package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.openai.ErrorResponse;
import io.switchboard.exchange.RequestRefusedException;
import io.switchboard.exchange.NoConsensusException;
import io.switchboard.keys.KeyRefusedException;
import io.switchboard.keys.ModelNotAllowedException;
import io.switchboard.orchestration.NoQualifyingModelException;
import io.switchboard.provider.AdmissionRejectedException;
import io.switchboard.provider.ProviderActor;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.UpstreamException;
import io.switchboard.routing.ClientGoneException;
import io.switchboard.routing.Dispatcher;
import io.switchboard.routing.ModelNotFoundException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.util.ByteString;

/**
 * An error as the client sees it: an HTTP status, the OpenAI error envelope, and when useful a
 * {@code Retry-After}. Every failure on the request path ends up here, so clients get one shape.
 */
public final class ApiError extends RuntimeException {
  public static final String INVALID_REQUEST = "invalid_request_error";
  /** The type of an error that says the upstream is overloaded (Anthropic's name for it, kept). */
  public static final String OVERLOADED_TYPE = "overloaded_error";

  private final int status;
  private final ErrorResponse body;
  private final Duration retryAfter;

  public ApiError(int status, ErrorResponse body, Duration retryAfter) {
    super(body.error().message());
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }

  public static ApiError of(int status, String type, String code, String param, String message) {
    return new ApiError(status, ErrorResponse.of(message, type, param, code), null);
  }

  public static ApiError invalidRequest(String message, String param, String code) {
    return of(400, INVALID_REQUEST, code, param, message);
  }

  public int status() {
    return status;
  }

  public ErrorResponse body() {
    return body;
  }

  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * The client-facing form of any failure on the request path. A failure that is none of the gateway's
   * known answers is a bug: 500 {@code internal_error}, whose message promises it was logged, so whoever
   * answers with it logs it ({@link #isUnexpected}, {@code RequestLog.unexpected}).
   */
  public static ApiError from(Throwable failure, ObjectMapper mapper) {
    Throwable t = unwrap(failure);
    if (t instanceof ApiError api) return api;
    if (t instanceof AdmissionRejectedException rejected) return fromRejection(rejected.rejection());
    if (t instanceof UpstreamException upstream) return fromUpstream(upstream, mapper);
    if (t instanceof KeyRefusedException refused) return fromKeyRefusal(refused);
    if (t instanceof ModelNotFoundException notFound) {
      return of(404, INVALID_REQUEST, "model_not_found", "model", notFound.getMessage());
    }
    if (t instanceof ModelNotAllowedException notAllowed) {
      return of(403, INVALID_REQUEST, "model_not_allowed", "model", notAllowed.getMessage());
    }
    if (t instanceof NoQualifyingModelException none) {
      return of(400, INVALID_REQUEST, "no_model_qualifies", "model", none.getMessage());
    }
    if (t instanceof Dispatcher.ContextTooLongException tooLong) {
      return of(400, INVALID_REQUEST, "context_length_exceeded", "messages", tooLong.getMessage());
    }
    if (t instanceof RequestRefusedException refused) {
      return of(400, INVALID_REQUEST, refused.code(), refused.param(), refused.getMessage());
    }
    if (t instanceof NoConsensusException split) {
      return new ApiError(502, ErrorResponse.of(split.getMessage(), "upstream_error", null, "no_consensus"), null);
    }
    if (t instanceof ClientGoneException gone) {
      // Nobody reads it; nginx's 499 (client closed request) in the access log.
      return of(499, "client_closed_request", "client_closed_request", null, gone.getMessage());
    }
    return of(500, "server_error", "internal_error", null,
        "The gateway failed while handling this request. It has been logged; retry, and report it if it persists.");
  }

  /** The key's own refusals: 429 with Retry-After for its limits, 429 {@code insufficient_quota} for its budget. */
  private static ApiError fromKeyRefusal(KeyRefusedException refused) {
    return switch (refused.reason()) {
      case BUDGET_EXHAUSTED -> new ApiError(429,
          ErrorResponse.of(refused.getMessage(), "insufficient_quota", null, "insufficient_quota"), null);
      case REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE -> new ApiError(429,
          ErrorResponse.of(refused.getMessage(), "rate_limit_error", null, "rate_limit_exceeded"),
          refused.retryAfter().orElse(null));
      case TOO_LARGE -> of(400, INVALID_REQUEST, "max_tokens_too_large", "max_tokens", refused.getMessage());
      case KEY_UNAVAILABLE -> new ApiError(503,
          ErrorResponse.of(refused.getMessage(), "service_unavailable_error", null, "key_state_unavailable"),
          refused.retryAfter().orElse(null));
    };
  }

  /** Whether {@link #from} makes {@code failure} a 500 {@code internal_error}: a bug, to be logged. */
  public static boolean isUnexpected(Throwable failure) {
    Throwable t = unwrap(failure);
    return !(t instanceof ApiError || t instanceof AdmissionRejectedException || t instanceof UpstreamException
        || t instanceof Dispatcher.ContextTooLongException || t instanceof KeyRefusedException
        || t instanceof ModelNotAllowedException || t instanceof ModelNotFoundException
        || t instanceof RequestRefusedException || t instanceof ClientGoneException
        || t instanceof NoQualifyingModelException || t instanceof NoConsensusException);
  }

  /** The failure itself, from under the {@link CompletionException}s that futures wrap it in. */
  static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t;
  }

  private static ApiError fromRejection(ProviderActor.Rejected rejected) {
    if (rejected.reason() == ProviderActor.Reason.TOO_LARGE) {
      return of(400, INVALID_REQUEST, "max_tokens_too_large", "max_tokens", rejected.message());
    }
    if (rejected.reason() == ProviderActor.Reason.CIRCUIT_OPEN
        || rejected.reason() == ProviderActor.Reason.PROVIDER_RESTARTING) {
      return new ApiError(503,
          ErrorResponse.of(rejected.message(), "service_unavailable_error", null, "provider_unavailable"),
          rejected.retryAfter());
    }
    return new ApiError(429,
        ErrorResponse.of(rejected.message(), "rate_limit_error", null, "rate_limit_exceeded"),
        rejected.retryAfter());
  }

  private static ApiError fromUpstream(UpstreamException e, ObjectMapper mapper) {
    if (e.streamFault().isPresent()) {
      StreamFault fault = e.streamFault().get();
      return of(fault.status(), fault.code(), fault.code(), null, e.getMessage());
    }
    return switch (e.kind()) {
      case TIMEOUT -> of(504, "upstream_timeout", "upstream_timeout", null, e.getMessage());
      case CONNECTION_FAILED -> of(502, "upstream_connection_error", "upstream_connection_error", null, e.getMessage());
      case UNAVAILABLE -> of(503, "provider_unavailable", "provider_unavailable", null, e.getMessage());
      case MALFORMED_RESPONSE ->
          of(502, "upstream_malformed_response", "upstream_malformed_response", null, e.getMessage());
      case EMPTY_RESPONSE -> of(502, "upstream_empty_response", "upstream_empty_response", null, e.getMessage());
      case REJECTED_CREDENTIALS -> of(502, "upstream_auth_error", "upstream_auth_error", null, e.getMessage()
          + " The gateway's key for this provider is missing or wrong; this is not about your own key.");
      case OVERLOADED -> new ApiError(503, ErrorResponse.of(e.getMessage()
              + " The provider has no capacity just now; retry after a short wait, or use another model.",
              OVERLOADED_TYPE, null, "provider_overloaded"), e.retryAfter().orElse(null));
      case SERVER_ERROR -> upstreamError(e);
      case RATE_LIMITED -> new ApiError(429,
          ErrorResponse.of(e.getMessage(), "rate_limit_error", null, "rate_limit_exceeded"),
          e.retryAfter().orElse(null));
      case REQUEST_REJECTED -> !isStandardClientError(e.upstreamStatus()) ? upstreamError(e)
          : upstreamEnvelope(e, mapper)
              .map(body -> new ApiError(e.upstreamStatus(), body, null))
              .orElseGet(() -> of(e.upstreamStatus(), INVALID_REQUEST, null, null, e.getMessage()));
    };
  }

  /** The upstream failed, or answered with a status the gateway cannot pass on: a 502 that names it. */
  private static ApiError upstreamError(UpstreamException e) {
    return of(502, "upstream_error", "upstream_http_" + e.upstreamStatus(), null, e.getMessage());
  }

  /**
   * A 4xx that HTTP defines (Pekko knows its name), so a client can act on it when passed on as it is. A
   * nonstandard one (460, 499: proxies' own) would reach a client as a status it cannot interpret.
   */
  private static boolean isStandardClientError(int status) {
    return status >= 400 && status < 500 && StatusCodes.lookup(status).isPresent();
  }

  /** The upstream's own envelope, when it sent one: it names the offending parameter best. */
  private static Optional<ErrorResponse> upstreamEnvelope(UpstreamException e, ObjectMapper mapper) {
    return e.upstreamBody().flatMap(text -> {
      try {
        ErrorResponse parsed = mapper.readValue(text, ErrorResponse.class);
        return parsed != null && parsed.error() != null && parsed.error().message() != null
            ? Optional.of(parsed) : Optional.empty();
      } catch (java.io.IOException notAnEnvelope) {
        return Optional.empty();
      }
    });
  }

  public HttpResponse toResponse(ObjectMapper mapper) {
    HttpResponse response = HttpResponse.create()
        .withStatus(StatusCodes.lookup(status).orElse(StatusCodes.BAD_GATEWAY))
        .withEntity(ContentTypes.APPLICATION_JSON, toJson(mapper));
    return retryAfterHeader().map(response::addHeader).orElse(response);
  }

  /** {@code Retry-After} in whole seconds, rounded up, when the error says when to try again. */
  Optional<HttpHeader> retryAfterHeader() {
    if (retryAfter == null) return Optional.empty();
    long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    return Optional.of(RawHeader.create("Retry-After", Long.toString(seconds)));
  }

  public ByteString toJson(ObjectMapper mapper) {
    try {
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(body));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("error envelope could not be written", e);
    }
  }
}
