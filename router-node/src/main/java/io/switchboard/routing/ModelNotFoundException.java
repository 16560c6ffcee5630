package io.switchboard.routing;

/** The model a request names is not one the gateway serves. */
public final class ModelNotFoundException extends RuntimeException {
  public ModelNotFoundException(String model) {
    super("The model '" + model + "' does not exist or is not served by this gateway. GET /v1/models lists the models"
        + " it serves.", null, false, false);
  }
}
