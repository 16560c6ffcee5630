package io.switchboard.registry;

/**
 * A registry (or one entry of it) that cannot be served as sent: {@link #param()} is the JSON path of
 * the field at fault, e.g. {@code models.gpt.deployments[0].provider}, and the message says what to
 * change. The admin routes answer it 400 in the OpenAI envelope.
 */
public final class InvalidRegistryException extends IllegalArgumentException {
  private final String param;

  public InvalidRegistryException(String param, String message) {
    super(message);
    this.param = param;
  }

  /** The JSON path of the field at fault. */
  public String param() {
    return param;
  }
}
