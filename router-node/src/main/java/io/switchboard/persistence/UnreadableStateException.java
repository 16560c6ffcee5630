package io.switchboard.persistence;

/**
 * A value is stored but cannot be read back as the expected type, for instance after an incompatible
 * change to the record. A caller that chooses to start afresh saves at {@link #revision()} + 1.
 */
public final class UnreadableStateException extends StateStoreException {
  private final long revision;

  public UnreadableStateException(String persistenceId, long revision, String why) {
    super("state of '" + persistenceId + "' at revision " + revision + " cannot be read: " + why, null);
    this.revision = revision;
  }

  /** The revision of the unreadable value. */
  public long revision() {
    return revision;
  }
}
