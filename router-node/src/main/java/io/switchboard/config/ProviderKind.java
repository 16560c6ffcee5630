package io.switchboard.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The wire dialects Switchboard can speak to upstream. */
public enum ProviderKind {
  /** Any OpenAI-compatible chat completions API. */
  OPENAI,
  /** In-process, deterministic: no network, no key. */
  SIMULATED,
  /** Anthropic's Messages API; requests and answers are translated. */
  ANTHROPIC,
  /** Ollama's native API ({@code /api/chat}); requests and answers are translated. */
  OLLAMA;

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static ProviderKind parse(String value, String path) {
    for (ProviderKind kind : values()) {
      if (kind.configName().equals(value)) return kind;
    }
    String known = Arrays.stream(values()).map(ProviderKind::configName).collect(Collectors.joining(", "));
    throw new SettingsException(path + " = \"" + value + "\" is not a provider kind; use one of: " + known);
  }
}
