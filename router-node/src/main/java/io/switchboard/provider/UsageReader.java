package io.switchboard.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import org.apache.pekko.util.ByteString;

/**
 * Reads the {@code usage} an OpenAI-dialect answer reports: the top-level object of a chat
 * completion (or of a Responses API Response, in its own shape), or the usage chunk of a stream. It
 * settles the admission reservation, so it must be cheap: a completion is scanned without building a
 * tree, and only stream events that carry a usage object are parsed.
 */
public final class UsageReader {
  private static final String USAGE_MARK = "\"usage\":{";

  private final ObjectMapper mapper;

  public UsageReader(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The usage of a whole chat completion body; empty when it reports none. */
  public Optional<TokenUsage> fromCompletion(ByteString body) {
    try (JsonParser parser = mapper.getFactory().createParser(body.toArrayUnsafe())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) return Optional.empty();
      for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
        boolean usage = "usage".equals(parser.currentName());
        JsonToken value = parser.nextToken();
        if (usage && value == JsonToken.START_OBJECT) return usage(mapper.readTree(parser));
        parser.skipChildren();
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The usage in one server-sent event ({@code data: {...}}); empty for every event without one. */
  public Optional<TokenUsage> fromEvent(ByteString event) {
    String text = event.utf8String();
    int mark = text.indexOf(USAGE_MARK);
    if (mark < 0) mark = text.indexOf("\"usage\": {");
    if (mark < 0 || !text.startsWith("data:")) return Optional.empty();
    try {
      return usage(mapper.readTree(text.substring(5)).path("usage"));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * A {@code usage} object in either of OpenAI's shapes: chat's ({@code prompt_tokens},
   * {@code completion_tokens}) or the Responses API's ({@code input_tokens}, {@code output_tokens}).
   */
  public static Optional<TokenUsage> usage(JsonNode usage) {
    boolean responses = !usage.has("prompt_tokens") && usage.has("input_tokens");
    JsonNode prompt = usage.path(responses ? "input_tokens" : "prompt_tokens");
    JsonNode completion = usage.path(responses ? "output_tokens" : "completion_tokens");
    if (!prompt.canConvertToInt() || !completion.canConvertToInt()) return Optional.empty();
    return Optional.of(new TokenUsage(prompt.intValue(), completion.intValue()));
  }
}
