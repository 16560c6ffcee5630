package io.switchboard.api.ollama;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A model as {@code /api/tags} (pulled models: {@code modified_at}) and {@code /api/ps} (loaded
 * models: {@code expires_at}, {@code size_vram}) list it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelEntry(
    String name,
    String model,
    @JsonProperty("modified_at") String modifiedAt,
    Long size,
    String digest,
    JsonNode details,
    @JsonProperty("expires_at") String expiresAt,
    @JsonProperty("size_vram") Long sizeVram,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public ModelEntry {
    extra = ExtraFields.normalize(extra);
  }
}
