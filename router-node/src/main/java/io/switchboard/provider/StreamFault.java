package io.switchboard.provider;

import java.util.Optional;

/**
 * How an upstream stream went wrong after its status line had gone out, as the client is told in its
 * dialect's error event: the code names what happened, so a client (or an operator reading its log)
 * can tell a broken upstream from a slow one from a cut connection.
 *
 * <p>Each fault keeps the {@link UpstreamException.Kind} the rest of the gateway already reasons with
 * (retries, breakers, metering); the fault only refines what the client reads.
 */
public enum StreamFault {
  /** An event that is not what the protocol promises: not JSON, binary bytes, an unknown event type. */
  MALFORMED_EVENT("malformed_upstream_event", UpstreamException.Kind.MALFORMED_RESPONSE, 502),
  /** The connection broke, or the stream ended, before the answer's finish. */
  RESET("upstream_reset", UpstreamException.Kind.CONNECTION_FAILED, 502),
  /** Nothing arrived for {@code timeouts.stream-idle} in the middle of a stream. */
  STALL("upstream_stall_timeout", UpstreamException.Kind.TIMEOUT, 504);

  private final String code;
  private final UpstreamException.Kind kind;
  private final int status;

  StreamFault(String code, UpstreamException.Kind kind, int status) {
    this.code = code;
    this.kind = kind;
    this.status = status;
  }

  /** The error's {@code code} (and {@code type}) in either dialect's error event. */
  public String code() {
    return code;
  }

  public UpstreamException.Kind kind() {
    return kind;
  }

  /** The status a client is answered with when the fault comes before the first byte. */
  public int status() {
    return status;
  }

  /** An upstream event that breaks its protocol; the message names what, never the event's bytes. */
  public static UpstreamException malformedEvent(String provider, String what) {
    return UpstreamException.inStream(MALFORMED_EVENT, provider,
        "Provider '" + provider + "' sent " + what + " in the middle of a stream.", null);
  }

  /** The fault a client-facing error code names, if it names one. */
  public static Optional<StreamFault> ofCode(String code) {
    if (code == null) return Optional.empty();
    for (StreamFault fault : values()) {
      if (fault.code.equals(code)) return Optional.of(fault);
    }
    return Optional.empty();
  }
}
