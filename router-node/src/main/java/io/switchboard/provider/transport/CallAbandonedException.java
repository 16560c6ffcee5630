package io.switchboard.provider.transport;

/** A request withdrawn before its response headers came, because its caller gave up on it. */
public final class CallAbandonedException extends RuntimeException {
  public CallAbandonedException() {
    super("the call was abandoned by its caller before its response headers came", null, false, false);
  }
}
