package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;

/**
 * What a deployment costs per million input (prompt) and output (completion) tokens (a Switchboard
 * extension of {@link ModelInfo}). Decimal, as the provider's price list states it.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelPricing(
    @JsonProperty("input_per_million") BigDecimal inputPerMillion,
    @JsonProperty("output_per_million") BigDecimal outputPerMillion,
    String currency) {

  /** The only currency catalog prices are stated in. */
  public static final String USD = "USD";

  public static ModelPricing usd(BigDecimal inputPerMillion, BigDecimal outputPerMillion) {
    return new ModelPricing(inputPerMillion, outputPerMillion, USD);
  }
}
