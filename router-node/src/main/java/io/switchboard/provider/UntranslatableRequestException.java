package io.switchboard.provider;

/**
 * The client's request asks for something the upstream's dialect cannot express (an {@code n} above
 * 1 for a provider that answers once, an image by URL where only inline images are accepted, ...).
 * Thrown by the translators before anything is sent; the adapter turns it into a 400 that names the
 * parameter, so the client learns what to change.
 */
public final class UntranslatableRequestException extends RuntimeException {
  private final String param;

  public UntranslatableRequestException(String message, String param) {
    super(message);
    this.param = param;
  }

  /** The request field at fault, in the client's terms ({@code messages[2].content[1]}), or null. */
  public String param() {
    return param;
  }
}
