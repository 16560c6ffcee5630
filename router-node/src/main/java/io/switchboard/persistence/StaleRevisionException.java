package io.switchboard.persistence;

/**
 * A save named a revision that is not one more than the stored one: another writer saved since this
 * one loaded, or the writer skipped a revision. Load again before saving.
 */
public final class StaleRevisionException extends StateStoreException {
  private final String persistenceId;
  private final long revision;

  public StaleRevisionException(String persistenceId, long revision, Throwable cause) {
    super("state of '" + persistenceId + "' was not saved at revision " + revision
        + ": the stored revision is not " + (revision - 1) + " (another writer saved in between?); load it again", cause);
    this.persistenceId = persistenceId;
    this.revision = revision;
  }

  public String persistenceId() {
    return persistenceId;
  }

  /** The revision the refused save named. */
  public long revision() {
    return revision;
  }
}
