package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.provider.TokenUsage;
import java.util.Optional;
import org.apache.pekko.util.ByteString;

/**
 * Reads the token counts of an answer in Anthropic's own dialect, to settle admission when the
 * answer passes through untranslated: a message's {@code usage}, or a stream's {@code message_start}
 * (input tokens) and {@code message_delta} (cumulative output tokens). Prompt tokens count cache
 * writes and reads too, as in the translated answer ({@link AnthropicToOpenAiResponse#usage}).
 */
public final class AnthropicUsage {
  private final ObjectMapper mapper;

  public AnthropicUsage(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The usage of a whole message body; empty when it reports none. */
  public Optional<TokenUsage> fromMessage(ByteString body) {
    try {
      return counts(mapper.readTree(body.toArrayUnsafe()).path("usage"), null);
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  /** The counts so far, updated by one event of a stream; {@code soFar} (maybe null) for events without usage. */
  public TokenUsage fold(TokenUsage soFar, ByteString event) {
    String text = event.utf8String();
    boolean start = text.startsWith("event: message_start");
    if (!start && !text.startsWith("event: message_delta")) return soFar;
    String data = AnthropicUpstream.data(text);
    if (data == null) return soFar;
    try {
      JsonNode json = mapper.readTree(data);
      JsonNode usage = start ? json.path("message").path("usage") : json.path("usage");
      return counts(usage, soFar).orElse(soFar);
    } catch (java.io.IOException e) {
      return soFar;
    }
  }

  /** Counts present in {@code usage} override those of {@code soFar}; absent ones are kept. */
  private static Optional<TokenUsage> counts(JsonNode usage, TokenUsage soFar) {
    if (!usage.isObject()) return Optional.empty();
    boolean hasInput = usage.has("input_tokens");
    boolean hasOutput = usage.path("output_tokens").canConvertToInt();
    if (!hasInput && !hasOutput) return Optional.empty();
    int prompt = hasInput
        ? usage.path("input_tokens").asInt() + usage.path("cache_creation_input_tokens").asInt()
            + usage.path("cache_read_input_tokens").asInt()
        : soFar == null ? 0 : soFar.promptTokens();
    int completion = hasOutput ? usage.path("output_tokens").asInt() : soFar == null ? 0 : soFar.completionTokens();
    return Optional.of(new TokenUsage(prompt, completion));
  }
}
