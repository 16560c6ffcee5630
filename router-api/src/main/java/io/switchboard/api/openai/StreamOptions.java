package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * The {@code stream_options} object of a request. Typed because {@code include_usage} decides
 * whether the gateway must emit (and account from) the trailing usage chunk.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StreamOptions(
    @JsonProperty("include_usage") Boolean includeUsage,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public StreamOptions {
    extra = ExtraFields.normalize(extra);
  }
}
