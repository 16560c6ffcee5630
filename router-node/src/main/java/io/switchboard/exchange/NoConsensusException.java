package io.switchboard.exchange;

/**
 * A {@code vote} fan-out whose answers did not reach its quorum, with {@code vote.no-quorum = error}: the
 * message names how the answers split, so the caller can see the disagreement. 502 {@code no_consensus}.
 */
public final class NoConsensusException extends RuntimeException {
  public NoConsensusException(String message) {
    super(message);
  }
}
