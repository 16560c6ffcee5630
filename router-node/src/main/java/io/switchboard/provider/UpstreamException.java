package io.switchboard.provider;

import java.time.Duration;
import java.util.Optional;

/**
 * An upstream could not give a usable answer. Says what happened ({@link Kind}); how a client is told
 * is the HTTP layer's business.
 */
public final class UpstreamException extends RuntimeException {

  /** What went wrong upstream. */
  public enum Kind {
    /** A timeout: connect, first byte, total, or idle between stream chunks. */
    TIMEOUT,
    /** No connection, or the connection broke (refused, reset, unknown host, closed early). */
    CONNECTION_FAILED,
    /**
     * The provider is not there at all: a local server (Ollama) refused the connection, so nothing
     * is listening. Unlike {@link #CONNECTION_FAILED} this says "start the server", not "network fault".
     */
    UNAVAILABLE,
    /** A 2xx answer that is not what the protocol promises (bad JSON, wrong shape, cut short). */
    MALFORMED_RESPONSE,
    /** A 2xx answer with no body at all. */
    EMPTY_RESPONSE,
    /** The upstream refused the gateway's own credentials (401/403). */
    REJECTED_CREDENTIALS,
    /** The upstream's own rate limit (429). */
    RATE_LIMITED,
    /** The upstream rejected the request itself (another 4xx). */
    REQUEST_REJECTED,
    /** The upstream failed (5xx). */
    SERVER_ERROR,
    /**
     * The upstream is working but has no capacity for anyone just now (Anthropic's 529
     * {@code overloaded_error}): worth retrying later, or elsewhere, and not the request's fault.
     */
    OVERLOADED;

    /**
     * What an upstream's error status says: 401 and 403 refuse the gateway's key, 429 is a rate limit,
     * another 4xx (a standard one or not) rejects the request; a 5xx, and any status a chat API has no
     * business answering with (1xx, 3xx: a redirect the gateway does not follow), is the upstream failing.
     */
    public static Kind ofStatus(int status) {
      if (status == 401 || status == 403) return REJECTED_CREDENTIALS;
      if (status == 429) return RATE_LIMITED;
      if (status >= 400 && status < 500) return REQUEST_REJECTED;
      return SERVER_ERROR;
    }
  }

  private final Kind kind;
  private final String provider;
  private final int upstreamStatus;
  private final String upstreamBody;
  private final Duration retryAfter;
  private final String requestId;
  private final StreamFault streamFault;

  public UpstreamException(Kind kind, String provider, String message) {
    this(kind, provider, message, 0, null, null, null);
  }

  public UpstreamException(
      Kind kind, String provider, String message, int upstreamStatus, String upstreamBody, Duration retryAfter,
      Throwable cause) {
    this(kind, provider, message, upstreamStatus, upstreamBody, retryAfter, cause, null, null);
  }

  /** A stream that went wrong mid-way: {@code fault}'s kind, told to the client by {@code fault}'s code. */
  public static UpstreamException inStream(StreamFault fault, String provider, String message, Throwable cause) {
    return new UpstreamException(fault.kind(), provider, message, 0, null, null, cause, null, fault);
  }

  private UpstreamException(Kind kind, String provider, String message, int upstreamStatus, String upstreamBody,
      Duration retryAfter, Throwable cause, String requestId, StreamFault streamFault) {
    super(clean(kind, message), cause);
    this.kind = kind;
    this.provider = provider;
    this.upstreamStatus = upstreamStatus;
    this.upstreamBody = CredentialRedactor.SHAPES_ONLY.redact(upstreamBody);
    this.retryAfter = retryAfter;
    this.requestId = requestId;
    this.streamFault = streamFault;
  }

  /** This failure, naming the upstream's own id for the call ({@link UpstreamHttp#requestId}); null: none. */
  public UpstreamException withRequestId(String id) {
    return new UpstreamException(kind, provider, getMessage(), upstreamStatus, upstreamBody, retryAfter, getCause(), id,
        streamFault);
  }

  /** What went wrong in the middle of a stream, when that is where it went wrong. */
  public Optional<StreamFault> streamFault() {
    return Optional.ofNullable(streamFault);
  }

  /** The upstream's own id for the failed call, when its error answer carried one. */
  public Optional<String> requestId() {
    return Optional.ofNullable(requestId);
  }

  /**
   * The message reaches clients and logs, so nothing credential-shaped stays in it ({@link
   * CredentialRedactor}: the adapters have already removed the provider's own key from what the
   * upstream sent; this catches what was built from it anyway).
   */
  private static String clean(Kind kind, String message) {
    String clean = CredentialRedactor.SHAPES_ONLY.redact(message);
    return kind == Kind.REJECTED_CREDENTIALS ? redactKeys(clean) : clean;
  }

  /**
   * A provider that refuses the gateway's key may quote it back ("Incorrect API key provided: sk-...");
   * its message reaches logs and clients, so every key-shaped run (20 or more letters, digits, '-' or '_')
   * is replaced. Words of a human message are never that long.
   */
  static String redactKeys(String message) {
    return message == null ? null : message.replaceAll("[A-Za-z0-9_\\-]{20,}", "[redacted]");
  }

  public Kind kind() {
    return kind;
  }

  public String provider() {
    return provider;
  }

  /** The upstream's HTTP status, or 0 when there was no HTTP answer. */
  public int upstreamStatus() {
    return upstreamStatus;
  }

  /** The upstream's error body, when it sent one. */
  public Optional<String> upstreamBody() {
    return Optional.ofNullable(upstreamBody);
  }

  /** How long the upstream asked us to wait, when it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
