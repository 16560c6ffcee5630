package io.switchboard.api.ollama;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The model parameters of a request ({@code options}). {@code num_predict} is the output token limit
 * ({@code -1}: unlimited), {@code num_ctx} the context window to load the model with. The many other
 * Modelfile parameters ({@code repeat_penalty}, {@code mirostat}, ...) pass through in {@code extra}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Options(
    Double temperature,
    @JsonProperty("top_p") Double topP,
    @JsonProperty("top_k") Integer topK,
    Long seed,
    @JsonProperty("num_ctx") Integer numCtx,
    @JsonProperty("num_predict") Integer numPredict,
    List<String> stop,
    @JsonProperty("presence_penalty") Double presencePenalty,
    @JsonProperty("frequency_penalty") Double frequencyPenalty,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public Options {
    extra = ExtraFields.normalize(extra);
  }
}
