package io.switchboard.config;

import java.util.Locale;

/**
 * What a request asks a model to do, as the task analyzer classifies it; a model's {@code strengths}
 * in the registry say how well it does each kind (0 to 1).
 */
public enum TaskKind {
  /** Writing, fixing, debugging or refactoring code. */
  CODE,
  /** Mathematics, step-by-step reasoning, planning. */
  REASONING,
  /** Condensing a long text. */
  SUMMARISATION,
  /** Pulling structured data out of text: JSON schemas, {@code response_format}, tool arguments. */
  EXTRACTION,
  /** Conversation and everything else. */
  CHAT;

  /** The name used in config, in the registry's JSON and in route reasons. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static TaskKind fromConfig(String value) {
    for (TaskKind k : values()) {
      if (k.configName().equals(value.trim().toLowerCase(Locale.ROOT))) return k;
    }
    throw new IllegalArgumentException(
        "unknown task kind '" + value + "'; known: code, reasoning, summarisation, extraction, chat");
  }
}
