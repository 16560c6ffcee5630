package io.switchboard.persistence;

/** The state store could not do what was asked: the database is unreachable, or refused. */
public class StateStoreException extends RuntimeException {
  public StateStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
