package io.switchboard.api.ollama;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** Body of {@code GET /api/tags} (models pulled) and of {@code GET /api/ps} (models loaded now). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelListing(List<ModelEntry> models) {

  public ModelListing {
    models = models == null ? List.of() : List.copyOf(models);
  }

  /** Whether {@code name} is listed, by full name or, for a name without a tag, as {@code name:latest}. */
  public boolean contains(String name) {
    String tagged = name.contains(":") ? name : name + ":latest";
    return models.stream().anyMatch(m -> name.equals(m.name()) || tagged.equals(m.name())
        || name.equals(m.model()) || tagged.equals(m.model()));
  }
}
