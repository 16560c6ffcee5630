package io.switchboard.provider;

/** Admission refused a request: the provider's queue is full, its wait ran out, or it did not answer. */
public final class AdmissionRejectedException extends RuntimeException {
  private final ProviderActor.Rejected rejection;

  public AdmissionRejectedException(ProviderActor.Rejected rejection) {
    super(rejection.message());
    this.rejection = rejection;
  }

  public ProviderActor.Rejected rejection() {
    return rejection;
  }
}
