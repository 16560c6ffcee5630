package io.switchboard.orchestration;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.config.SwitchboardSettings;
import java.util.Map;

/** The three-model catalog the auto route tests choose among, and requests to it. */
final class RouteCatalog {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * small: cheap, 8k window, no tools, good at chat; coder: ten times dearer, 32k, best at code; long:
   * twenty times dearer, 200k, best at summaries.
   */
  static final String MODELS = """
      switchboard.models {
        small { provider = simulated, upstream-model = small-1, input-price-per-million = 0.1,
          output-price-per-million = 0.4, context-window = 8192, max-output-tokens = 1024,
          capabilities = [json, streaming], strengths { chat = 0.7, code = 0.4, reasoning = 0.4, summarisation = 0.6 } }
        coder { provider = simulated, upstream-model = coder-1, input-price-per-million = 1.0,
          output-price-per-million = 4.0, context-window = 32768, max-output-tokens = 4096,
          capabilities = [tools, json, streaming], strengths { code = 0.95, chat = 0.5, reasoning = 0.7 } }
        long { provider = simulated, upstream-model = long-1, input-price-per-million = 2.0,
          output-price-per-million = 8.0, context-window = 200000, max-output-tokens = 4096,
          capabilities = [tools, json, streaming], strengths { summarisation = 0.9, chat = 0.6, code = 0.6 } }
      }
      switchboard.routes.auto { candidates = [small, coder, long], objective { cost = 1, latency = 1, quality = 3 } }
      """;

  private RouteCatalog() {}

  static SwitchboardSettings settings(String extra) {
    return SwitchboardSettings.from(ConfigFactory.parseString(MODELS + extra).withFallback(ConfigFactory.load())
        .resolve(), name -> null);
  }

  /** A chat request from its JSON. */
  static ChatCompletionRequest chat(String json) {
    try {
      return JSON.readValue(json, ChatCompletionRequest.class);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A request to {@code model} whose last user message is {@code text}. */
  static ChatCompletionRequest user(String model, String text) {
    try {
      return chat(JSON.writeValueAsString(Map.of("model", model,
          "messages", java.util.List.of(Map.of("role", "user", "content", text)))));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static final String CODE_QUESTION = "Can you fix this bug? It throws on empty lists.\n```python\n"
      + "def mean(xs):\n    return sum(xs) / len(xs)\n```";
  static final String SMALL_TALK = "Hi there! How are you today? Any plans for the weekend?";
}
