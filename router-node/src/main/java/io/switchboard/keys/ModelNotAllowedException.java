package io.switchboard.keys;

/** The caller's key may not use the model it asked for; the message lists the models it may use. */
public final class ModelNotAllowedException extends RuntimeException {
  public ModelNotAllowedException(ApiKey key, String model) {
    super("This API key may not use the model '" + model + "'. It may use: "
        + key.allowedModels().stream().sorted().toList() + ". Ask the gateway's operator for a key that allows it.",
        null, false, false);
  }
}
