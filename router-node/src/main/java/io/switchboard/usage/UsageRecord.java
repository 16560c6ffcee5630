package io.switchboard.usage;

import io.switchboard.JsonSerializable;
import java.math.BigDecimal;

/**
 * One upstream call as the ledger keeps it. A request retried or sent to a fallback leaves one record
 * per call that reached an upstream; only the last can be a success.
 *
 * @param requestId the client's {@code x-request-id}, when it sent one
 * @param keyId null for an anonymous caller of an open gateway
 * @param model the model as the client named it (the alias), or the model its auto route chose
 * @param deployment {@code provider/upstream-model}
 * @param promptTokens from the upstream's usage; estimated with the gateway's tokenizer when it sent none
 * @param completionTokens likewise; counted from the streamed text when a stream omits its usage chunk
 * @param costUsd from the deployment's catalog prices
 * @param latencyMs from the request's arrival to the call's end
 * @param ttftMs for streams, from the request's arrival to its first event; null otherwise
 * @param outcome {@value #SUCCESS}, {@value #CLIENT_CANCELLED}, or the kind of upstream failure
 *     ({@code upstream_timeout}, {@code upstream_server_error}, {@code upstream_stream_error}, ...)
 * @param route the auto route the client asked for; null when it named a model
 * @param routeReason why the route chose {@code model} ({@code x-switchboard-route-reason}); null without a route
 */
public record UsageRecord(long atEpochMillis, String requestId, String keyId, String model, String deployment,
    long promptTokens, long completionTokens, BigDecimal costUsd, long latencyMs, Long ttftMs, String outcome,
    String route, String routeReason) implements JsonSerializable {
  public static final String SUCCESS = "success";
  public static final String CLIENT_CANCELLED = "client_cancelled";

  /** A record of a call made for a model the client named. */
  public UsageRecord(long atEpochMillis, String requestId, String keyId, String model, String deployment,
      long promptTokens, long completionTokens, BigDecimal costUsd, long latencyMs, Long ttftMs, String outcome) {
    this(atEpochMillis, requestId, keyId, model, deployment, promptTokens, completionTokens, costUsd, latencyMs, ttftMs,
        outcome, null, null);
  }
}
