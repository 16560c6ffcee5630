package io.switchboard.provider;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.switchboard.JsonSerializable;

/**
 * How an upstream call that held a permit ended: what settles its reservation and feeds the breaker.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({
  @JsonSubTypes.Type(value = CallOutcome.Succeeded.class, name = "succeeded"),
  @JsonSubTypes.Type(value = CallOutcome.Failed.class, name = "failed"),
  @JsonSubTypes.Type(value = CallOutcome.NotSent.class, name = "not-sent")
})
public sealed interface CallOutcome extends JsonSerializable {

  /**
   * The upstream answered. {@code usage} is null when it did not report usage (a stream without the
   * usage chunk); the reservation then stands as the charge.
   */
  record Succeeded(TokenUsage usage, UpstreamSignals signals) implements CallOutcome {}

  /**
   * The call reached the upstream and failed. {@code providerFault} says whether it counts against a
   * circuit breaker (5xx, connection, timeout, malformed answer) or not (4xx, 429); {@code transport}
   * which one: the provider's, when the connection itself failed (refused, reset, DNS, TLS), since every
   * model behind it is then out of reach; otherwise the breaker of the call's upstream model alone, so
   * that one failing model does not shut its provider's other models out. Absent from an older node's
   * message, {@code transport} reads as false.
   */
  record Failed(boolean providerFault, boolean rateLimited, UpstreamSignals signals, boolean transport)
      implements CallOutcome {

    /** A failure of the upstream model (not of the connection), when it counts at all. */
    public Failed(boolean providerFault, boolean rateLimited, UpstreamSignals signals) {
      this(providerFault, rateLimited, signals, false);
    }

    /** The same failure, counted against no breaker; an upstream 429 and its signals stand. */
    public Failed notHeldAgainstTheUpstream() {
      return new Failed(false, rateLimited, signals, false);
    }
  }

  /**
   * The call never reached the upstream, or the client went away before the answer began: the whole
   * reservation is refunded and the breaker is not told.
   */
  record NotSent() implements CallOutcome {}

  CallOutcome NOT_SENT = new NotSent();
}
