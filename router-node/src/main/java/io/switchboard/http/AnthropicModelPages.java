package io.switchboard.http;

import io.switchboard.api.anthropic.ModelDescription;
import io.switchboard.api.anthropic.ModelPage;
import io.switchboard.api.openai.ModelInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The model catalog as Anthropic's {@code GET /v1/models} pages it, for a request that carries
 * {@code anthropic-version} (what Anthropic's SDKs always send): {@code limit} (1 to 1000, default 20)
 * models after {@code after_id} or before {@code before_id}, in the catalog's order, each with
 * {@code display_name} (the model's name: the catalog has no other) and {@code created_at} (when the
 * gateway started, as RFC 3339), {@code lifecycle: active}, and the primary deployment's context window
 * and output cap as {@code max_input_tokens} and {@code max_tokens} when the catalog knows them.
 */
final class AnthropicModelPages {
  static final String VERSION_HEADER = "anthropic-version";
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 1000;

  private AnthropicModelPages() {}

  static ModelDescription describe(ModelInfo model) {
    Integer window = model.contextWindow() != null && model.contextWindow() > 0 ? model.contextWindow() : null;
    Integer output = model.maxOutputTokens() != null && model.maxOutputTokens() > 0 ? model.maxOutputTokens() : null;
    return ModelDescription.active(model.id(), model.id(), Instant.ofEpochSecond(model.created()).toString(), window,
        output);
  }

  /** One page of {@code models}; throws {@link InvalidPage} for a parameter it cannot read. */
  static ModelPage page(List<ModelInfo> models, Map<String, List<String>> params) {
    int limit = limit(params);
    String after = single(params, "after_id");
    String before = single(params, "before_id");
    if (after != null && before != null) throw new InvalidPage("Give after_id or before_id, not both.");
    int from = 0;
    int to = models.size();
    if (after != null) from = indexOf(models, after, "after_id") + 1;
    if (before != null) to = indexOf(models, before, "before_id");
    // Paging backwards (before_id) takes the models just before it, as Anthropic's own list does.
    int start = before != null ? Math.max(from, to - limit) : from;
    int end = before != null ? to : Math.min(to, from + limit);
    boolean more = before != null ? start > from : end < to;
    return ModelPage.of(models.subList(start, end).stream().map(AnthropicModelPages::describe).toList(), more);
  }

  private static int limit(Map<String, List<String>> params) {
    String value = single(params, "limit");
    if (value == null) return DEFAULT_LIMIT;
    try {
      int limit = Integer.parseInt(value.trim());
      if (limit >= 1 && limit <= MAX_LIMIT) return limit;
    } catch (NumberFormatException notANumber) {
      // told below
    }
    throw new InvalidPage("limit: must be a whole number from 1 to " + MAX_LIMIT + "; got '" + value + "'.");
  }

  private static int indexOf(List<ModelInfo> models, String id, String param) {
    for (int i = 0; i < models.size(); i++) {
      if (models.get(i).id().equals(id)) return i;
    }
    throw new InvalidPage(param + ": no model '" + id + "' in this listing.");
  }

  private static String single(Map<String, List<String>> params, String name) {
    List<String> values = params.getOrDefault(name, List.of());
    return values.isEmpty() ? null : values.get(values.size() - 1);
  }

  /** A paging parameter that cannot be read: 400 {@code invalid_request_error}. */
  static final class InvalidPage extends IllegalArgumentException {
    InvalidPage(String message) {
      super(message);
    }
  }
}
