package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Body of {@code GET /v1/models}. The gateway builds this from its own routing table rather than
 * relaying an upstream list, so there is nothing to pass through and no {@code extra}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelList(String object, List<ModelInfo> data) {

  /** The value of {@code object} on a model listing. */
  public static final String OBJECT = "list";

  public static ModelList of(List<ModelInfo> data) {
    return new ModelList(OBJECT, data);
  }
}
