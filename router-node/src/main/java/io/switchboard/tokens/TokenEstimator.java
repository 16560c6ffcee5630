package io.switchboard.tokens;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * How many prompt tokens a chat request will cost, for admission against a provider's token budget
 * before the upstream has said how many it really used.
 *
 * <pre>{@code
 * TokenEstimator estimator = new TokenEstimator();   // cheap; the tokenizer tables are shared
 * int prompt = estimator.promptTokens(request, "gpt-4o-mini");
 * }</pre>
 *
 * <p><b>OpenAI models</b> ({@code gpt-*}, {@code chatgpt-*}, {@code o1}/{@code o3}/{@code o4}...) are
 * counted with the model's own tokenizer: {@code o200k_base} for gpt-4o, gpt-4.1, gpt-4.5, gpt-5 and
 * later, chatgpt-* and the o-series; {@code cl100k_base} for gpt-4 and gpt-3.5. Around the text, the
 * overheads OpenAI documents for chat formatting: {@value #TOKENS_PER_MESSAGE} tokens per message,
 * {@value #TOKENS_PER_NAME} more when it has a {@code name}, and {@value #REPLY_PRIMER} priming the
 * reply. The role, name, text parts, tool-call id and each tool call's {@code function} JSON are
 * tokenized. For these models {@link #exact} is true: the text is counted exactly, the framing by
 * OpenAI's published rule.
 *
 * <p><b>Other models</b> (Anthropic, Llama, ...) have tokenizers that are not public or not bundled, so
 * each piece of text is estimated at one token per {@value #BYTES_PER_TOKEN} UTF-8 bytes, rounded up,
 * with the same overheads. For English prose this is close; for code and non-Latin scripts it tends
 * to under-count, so budgets for such models need headroom.
 *
 * <p>For every model: tool definitions ({@code tools}, legacy {@code functions}) count as their JSON
 * text, which is close to, not exactly, what the upstream injects. Image parts count a fixed
 * {@value #IMAGE_TOKENS_LOW_DETAIL} tokens at {@code detail: low} and {@value #IMAGE_TOKENS} otherwise
 * (a 1024x1024 image at high detail), because the real cost depends on pixels the gateway does not
 * decode. Other part types (audio, files) are not counted.
 *
 * <p>Texts longer than {@value #SLICE_CHARS} characters are tokenized in whitespace-aligned slices,
 * so a hostile body (megabytes without a space) costs linear time; prose counts the same either way.
 *
 * <p>Thread-safe: the tokenizer tables are loaded once per JVM, on first use by an OpenAI model, and
 * only read afterwards. Not final, so a test can count how often a request's prompt is counted (the
 * request path promises once per upstream model, see {@link PromptEstimate}).
 */
public class TokenEstimator {

  /** Framing tokens around every message, per OpenAI's cookbook. */
  public static final int TOKENS_PER_MESSAGE = 3;
  /** Extra token for a message that carries a {@code name}. */
  public static final int TOKENS_PER_NAME = 1;
  /** Tokens priming the assistant's reply ({@code <|start|>assistant<|message|>}). */
  public static final int REPLY_PRIMER = 3;
  /** The estimate's ratio for models whose tokenizer is not bundled. */
  public static final int BYTES_PER_TOKEN = 4;
  /** An image part at {@code detail: low}. */
  public static final int IMAGE_TOKENS_LOW_DETAIL = 85;
  /** An image part at high or automatic detail: 85 + 4 tiles of 170, a 1024x1024 image. */
  public static final int IMAGE_TOKENS = 765;

  /**
   * Longest text handed to the tokenizer in one piece. Byte-pair encoding of one long run without
   * whitespace costs far more than linear time (a 400 KB word takes seconds), which a client could
   * use to stall request threads; slices keep the cost linear.
   */
  static final int SLICE_CHARS = 8_192;

  private static final List<String> TOOL_FIELDS = List.of("tools", "functions");

  /**
   * The tokenizer tables, loaded on first use, once per JVM (class initialization is thread-safe).
   * The lazy registry loads only the two encodings asked for, not all five it knows; both are
   * fetched here so the registry itself is never touched concurrently.
   */
  private static final class Tokenizers {
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    static final Encoding O200K_BASE = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    static final Encoding CL100K_BASE = REGISTRY.getEncoding(EncodingType.CL100K_BASE);
  }

  /** The tokenizer family of a model. */
  private enum Family {
    O200K,
    CL100K,
    ESTIMATED
  }

  /**
   * The prompt tokens {@code request} will cost at {@code upstreamModel} (the provider's own model
   * name, not the gateway alias). Saturates at {@link Integer#MAX_VALUE}.
   */
  public int promptTokens(ChatCompletionRequest request, String upstreamModel) {
    requireNonNull(request, "request");
    ToLongFunction<String> count = counter(family(upstreamModel));
    long tokens = REPLY_PRIMER;
    if (request.messages() != null) {
      for (ChatMessage message : request.messages()) {
        if (message != null) {
          tokens += messageTokens(message, count);
        }
      }
    }
    Map<String, JsonNode> extra = request.extra();
    for (String field : TOOL_FIELDS) {
      JsonNode tools = extra.get(field);
      if (tools != null && !tools.isNull()) {
        tokens += count.applyAsLong(tools.toString());
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, tokens);
  }

  /** The tokens of plain {@code text} at {@code upstreamModel}, without any message framing. */
  public int textTokens(String text, String upstreamModel) {
    return (int) Math.min(Integer.MAX_VALUE, counter(family(upstreamModel)).applyAsLong(text));
  }

  /** Whether {@code upstreamModel}'s text is counted with its real tokenizer rather than estimated. */
  public boolean exact(String upstreamModel) {
    return family(upstreamModel) != Family.ESTIMATED;
  }

  private static long messageTokens(ChatMessage message, ToLongFunction<String> count) {
    long tokens = TOKENS_PER_MESSAGE + count.applyAsLong(message.role());
    tokens += contentTokens(message.content(), count);
    if (message.name() != null) {
      tokens += TOKENS_PER_NAME + count.applyAsLong(message.name());
    }
    if (message.toolCalls() != null) {
      for (JsonNode call : message.toolCalls()) {
        if (call != null) {
          JsonNode function = call.get("function");
          tokens += count.applyAsLong((function != null ? function : call).toString());
        }
      }
    }
    return tokens + count.applyAsLong(message.toolCallId());
  }

  private static long contentTokens(JsonNode content, ToLongFunction<String> count) {
    if (content == null) {
      return 0;
    }
    if (content.isTextual()) {
      return count.applyAsLong(content.textValue());
    }
    long tokens = 0;
    if (content.isArray()) {
      for (JsonNode part : content) {
        String type = part.path("type").asText("");
        if (type.equals("text") && part.path("text").isTextual()) {
          tokens += count.applyAsLong(part.path("text").textValue());
        } else if (type.equals("image_url")) {
          tokens += "low".equals(part.path("image_url").path("detail").asText(""))
              ? IMAGE_TOKENS_LOW_DETAIL
              : IMAGE_TOKENS;
        }
      }
    }
    return tokens;
  }

  private static ToLongFunction<String> counter(Family family) {
    return switch (family) {
      case O200K -> text -> countSliced(Tokenizers.O200K_BASE, text);
      case CL100K -> text -> countSliced(Tokenizers.CL100K_BASE, text);
      case ESTIMATED -> TokenEstimator::estimate;
    };
  }

  /**
   * Counts {@code text} in slices of at most {@link #SLICE_CHARS}, each cut just before a run of
   * whitespace, where the tokenizer starts a new token anyway; so prose counts as if whole. Only a
   * run of that length without whitespace is cut mid-run, which can shift the count by a token.
   */
  static long countSliced(Encoding encoding, String text) {
    if (text == null || text.isEmpty()) {
      return 0;
    }
    long tokens = 0;
    int start = 0;
    while (start < text.length()) {
      int end = Math.min(text.length(), start + SLICE_CHARS);
      if (end < text.length()) {
        int cut = end;
        while (cut > start && !Character.isWhitespace(text.charAt(cut))) {
          cut--;
        }
        while (cut > start && Character.isWhitespace(text.charAt(cut - 1))) {
          cut--;
        }
        if (cut > start) {
          end = cut;
        } else if (Character.isHighSurrogate(text.charAt(end - 1))) {
          end--;
        }
      }
      tokens += encoding.countTokensOrdinary(text.substring(start, end));
      start = end;
    }
    return tokens;
  }

  /** One token per {@link #BYTES_PER_TOKEN} UTF-8 bytes, rounded up; no bytes are allocated. */
  static long estimate(String text) {
    if (text == null) {
      return 0;
    }
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return (bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
  }

  /**
   * The tokenizer family by the model's name, ignoring case and any {@code vendor/} prefix. Unknown
   * {@code gpt-} models are taken to be new ones, which all use {@code o200k_base}.
   */
  private static Family family(String upstreamModel) {
    if (upstreamModel == null) {
      return Family.ESTIMATED;
    }
    String model = upstreamModel.toLowerCase(Locale.ROOT);
    model = model.substring(model.lastIndexOf('/') + 1);
    if (model.startsWith("gpt-4o") || model.startsWith("gpt-4.") || model.startsWith("chatgpt-")
        || (model.length() >= 2 && model.charAt(0) == 'o' && Character.isDigit(model.charAt(1)))) {
      return Family.O200K;
    }
    if (model.startsWith("gpt-4") || model.startsWith("gpt-3.5") || model.startsWith("gpt-35")) {
      return Family.CL100K;
    }
    return model.startsWith("gpt-") ? Family.O200K : Family.ESTIMATED;
  }
}
