package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One deployment of a {@link ModelInfo} (a Switchboard extension): the provider account and the
 * upstream's name for the model, with what the catalog says of it.
 *
 * @param contextWindow prompt plus output tokens; null when the catalog does not know it
 * @param available whether its provider can take a request now
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelDeployment(
    String provider,
    @JsonProperty("upstream_model") String upstreamModel,
    @JsonProperty("context_window") Integer contextWindow,
    @JsonProperty("max_output_tokens") Integer maxOutputTokens,
    ModelPricing pricing,
    List<String> capabilities,
    Boolean available) {

  public ModelDeployment {
    capabilities = capabilities == null ? null : List.copyOf(capabilities);
  }
}
