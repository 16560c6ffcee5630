package io.switchboard.config;

import java.util.Locale;

/** What a deployment's upstream model can do, as the model catalog states it. */
public enum Capability {
  /** Function calling: {@code tools} and {@code tool_choice}. */
  TOOLS,
  /** JSON mode and structured output: {@code response_format}. */
  JSON,
  /** Images in messages. */
  VISION,
  /** Server-sent event streaming. */
  STREAMING,
  /**
   * An embedding model: served by {@code POST /v1/embeddings}, and only models with this capability
   * are. A model whose deployments lack it is refused there with 400 {@code model_not_embeddings}.
   */
  EMBEDDINGS;

  /** The name used in config and in {@code GET /v1/models?capability=}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Capability fromConfig(String value) {
    for (Capability c : values()) {
      if (c.configName().equals(value.trim().toLowerCase(Locale.ROOT))) return c;
    }
    throw new IllegalArgumentException("unknown capability '" + value + "'; known: tools, json, vision, streaming, embeddings");
  }
}
