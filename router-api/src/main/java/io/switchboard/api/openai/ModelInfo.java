package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One entry of {@link ModelList}; describes a model name clients may route to. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelInfo(
    String id,
    String object,
    long created,
    @JsonProperty("owned_by") String ownedBy) {

  /** The value of {@code object} on a model entry. */
  public static final String OBJECT = "model";

  public static ModelInfo of(String id, long created, String ownedBy) {
    return new ModelInfo(id, OBJECT, created, ownedBy);
  }
}
