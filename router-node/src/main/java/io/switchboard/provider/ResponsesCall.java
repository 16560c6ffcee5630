package io.switchboard.provider;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One Responses API request on its way to an upstream's own {@code /responses}: the body the gateway
 * prepared (the client's, with the conversation resolved and {@code store: false}), which the upstream
 * sends with {@code model} set to its own name for the model.
 *
 * @param body not changed by the upstream: each deployment tried writes its own copy
 */
public record ResponsesCall(ObjectNode body, String upstreamModel, boolean stream) {
  public ResponsesCall {
    requireNonNull(body, "body");
    requireNonNull(upstreamModel, "upstreamModel");
  }
}
