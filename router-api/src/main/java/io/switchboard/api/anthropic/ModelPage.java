package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Anthropic's {@code GET /v1/models} body: one page of models, with the ids a client pages on
 * ({@code after_id = last_id} for the next page while {@code has_more}). {@code first_id} and
 * {@code last_id} are null on an empty page.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelPage(
    List<ModelDescription> data, @JsonProperty("has_more") boolean hasMore,
    @JsonProperty("first_id") String firstId, @JsonProperty("last_id") String lastId) {

  public ModelPage {
    data = List.copyOf(data);
  }

  public static ModelPage of(List<ModelDescription> data, boolean hasMore) {
    return new ModelPage(data, hasMore, data.isEmpty() ? null : data.get(0).id(),
        data.isEmpty() ? null : data.get(data.size() - 1).id());
  }
}
