package io.switchboard.orchestration;

/** No candidate of an auto route qualifies for a request; the message says why each was excluded. */
public final class NoQualifyingModelException extends RuntimeException {
  private final String route;

  NoQualifyingModelException(String route, String message) {
    super(message, null, false, false);
    this.route = route;
  }

  public String route() {
    return route;
  }
}
