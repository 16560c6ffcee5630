package io.switchboard.responses;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.keys.Caller;
import io.switchboard.routing.RequestTrace;
import java.time.Duration;
import java.util.Optional;

/**
 * One Responses API request passed through to native upstreams, with what {@link NativeResponsesPipeline}
 * needs around it.
 *
 * @param body what each upstream is sent ({@link NativeRequest#upstreamBody}), {@code model} set per deployment
 * @param startedNanos when the ingress began reading it ({@link System#nanoTime})
 * @param maxWait the client's own admission wait ({@code x-switchboard-max-wait}); empty: the provider's
 */
public record NativeResponsesCall(RequestTrace trace, long startedNanos, Caller caller, String model, ObjectNode body,
    boolean stream, Optional<Duration> maxWait) {
  public NativeResponsesCall {
    requireNonNull(trace, "trace");
    requireNonNull(caller, "caller");
    requireNonNull(model, "model");
    requireNonNull(body, "body");
    requireNonNull(maxWait, "maxWait");
  }
}
