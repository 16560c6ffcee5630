package io.switchboard.routing;

/**
 * The client closed its connection before its answer began: the upstream call is abandoned (its
 * connection closed), its permit refunded, and nothing is retried or sent elsewhere.
 */
public final class ClientGoneException extends RuntimeException {
  public ClientGoneException() {
    super("The client closed its connection before the answer began; the upstream call was abandoned.", null, false,
        false);
  }
}
