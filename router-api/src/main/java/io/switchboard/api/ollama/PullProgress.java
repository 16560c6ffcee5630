package io.switchboard.api.ollama;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * One line of {@code /api/pull} progress: {@code "pulling manifest"}, {@code "pulling <digest>"} with
 * {@code total}/{@code completed} bytes, {@code "verifying sha256 digest"}, {@code "writing manifest"},
 * {@code "success"}. A failed pull sends a line with {@code error} instead.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PullProgress(
    String status,
    String digest,
    Long total,
    Long completed,
    String error,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public static final String SUCCESS = "success";

  public PullProgress {
    extra = ExtraFields.normalize(extra);
  }

  @JsonIgnore
  public boolean failed() {
    return error != null;
  }

  @JsonIgnore
  public boolean succeeded() {
    return SUCCESS.equals(status);
  }
}
