package io.switchboard.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Prompt-token counts: exact for OpenAI models, a documented estimate for the rest. */
@Tag("unit")
class TokenEstimatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A reference tokenizer of the test's own, to compare whole-text counts against. */
  private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  private final TokenEstimator estimator = new TokenEstimator();

  private static ChatCompletionRequest request(String json) {
    try {
      return JSON.readValue(json, ChatCompletionRequest.class);
    } catch (JsonProcessingException e) {
      throw new AssertionError(e);
    }
  }

  private static ChatCompletionRequest request(ChatMessage... messages) {
    return new ChatCompletionRequest("m", List.of(messages), null, null, null, null, null, null, null, null, null,
        null, null);
  }

  @ParameterizedTest
  @CsvSource({"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5", "o1-mini", "o3", "o4-mini", "chatgpt-4o-latest",
      "gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "GPT-4o", "openai/gpt-4o"})
  void helloWorld_isTwoTokens_inBothOpenAiEncodings(String model) {
    assertEquals(2, estimator.textTokens("hello world", model));
    assertTrue(estimator.exact(model));
  }

  @Test
  void encodings_differWhereTheModelsDo() {
    String text = "Switchboard routes requests to large language models: 速い、安い、正確。";

    int o200k = estimator.textTokens(text, "gpt-4o");
    int cl100k = estimator.textTokens(text, "gpt-4");

    assertTrue(o200k < cl100k, "o200k_base is the denser encoding: " + o200k + " vs " + cl100k);
    assertEquals(o200k, estimator.textTokens(text, "o3-mini"));
    assertEquals(cl100k, estimator.textTokens(text, "gpt-3.5-turbo-0125"));
  }

  @Test
  void singleMessage_addsOpenAisFraming() {
    ChatCompletionRequest hello = request(ChatMessage.of("user", "hello world"));

    // 3 per message + "user" (1) + "hello world" (2) + 3 priming the reply
    assertEquals(9, estimator.promptTokens(hello, "gpt-4o"));
    assertEquals(9, estimator.promptTokens(hello, "gpt-3.5-turbo"));
  }

  /** The worked example of OpenAI's cookbook "How to count tokens with tiktoken". */
  @Test
  void openAiCookbookExample_matchesItsPublishedCounts() {
    ChatCompletionRequest example = request("""
        {"model": "gpt-4", "messages": [
          {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
          {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
          {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
          {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
          {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
          {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}
        ]}""");

    assertEquals(129, estimator.promptTokens(example, "gpt-4-0613"));
    assertEquals(129, estimator.promptTokens(example, "gpt-3.5-turbo-0613"));
    assertEquals(124, estimator.promptTokens(example, "gpt-4o"));
  }

  @Test
  void multiPartContent_countsTextPartsAndAFixedCostPerImage() {
    ChatCompletionRequest parts = request("""
        {"model": "m", "messages": [{"role": "user", "content": [
          {"type": "text", "text": "hello world"},
          {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
          {"type": "image_url", "image_url": {"url": "https://example.com/b.png"}},
          {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
        ]}]}""");

    assertEquals(9 + TokenEstimator.IMAGE_TOKENS_LOW_DETAIL + TokenEstimator.IMAGE_TOKENS,
        estimator.promptTokens(parts, "gpt-4o"));
  }

  @Test
  void toolDefinitions_andToolCalls_areCounted() {
    String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":"
        + "\"Current weather for a city\",\"parameters\":{\"type\":\"object\",\"properties\":"
        + "{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";
    ChatCompletionRequest withTools = request("""
        {"model": "m", "messages": [{"role": "user", "content": "hello world"}], "tools": %s}""".formatted(tools));

    assertEquals(9 + estimator.textTokens(tools, "gpt-4o"), estimator.promptTokens(withTools, "gpt-4o"));

    ChatCompletionRequest toolTurn = request("""
        {"model": "m", "messages": [
          {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}}]},
          {"role": "tool", "tool_call_id": "call_1", "content": "18C and sunny"}
        ]}""");
    int function = estimator.textTokens("{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}",
        "gpt-4o");
    int expected = 3 + estimator.textTokens("assistant", "gpt-4o") + function
        + 3 + estimator.textTokens("tool", "gpt-4o") + estimator.textTokens("call_1", "gpt-4o")
        + estimator.textTokens("18C and sunny", "gpt-4o") + 3;
    assertEquals(expected, estimator.promptTokens(toolTurn, "gpt-4o"));
  }

  @ParameterizedTest
  @CsvSource({"claude-sonnet-4-5", "llama3.1:8b", "mistral-large", "switchboard-sim-1", "omni"})
  void otherModels_areEstimatedAtFourUtf8BytesPerToken(String model) {
    assertFalse(estimator.exact(model));
    assertEquals(3, estimator.textTokens("hello world", model), "11 bytes");
    assertEquals(1, estimator.textTokens("\u20ac", model), "3 bytes");
    assertEquals(2, estimator.textTokens("\u00e9\u00e9\ud83d\ude00", model), "2 + 2 + 4 bytes");
    assertEquals(2, estimator.textTokens("ab\ud800", model), "a lone surrogate counts as 3 bytes");
    // 3 + "user" (1) + "hello world" (3) + name "bob" (1 + 1) + 3
    ChatMessage named = new ChatMessage("user", ChatMessage.of("user", "hello world").content(), "bob", null, null,
        null);
    assertEquals(12, estimator.promptTokens(request(named), model));
  }

  @Test
  void nullModel_isEstimated_andEmptyRequestCostsTheReplyPrimer() {
    assertFalse(estimator.exact(null));
    ChatCompletionRequest empty = new ChatCompletionRequest("m", null, null, null, null, null, null, null, null, null,
        null, null, null);
    assertEquals(TokenEstimator.REPLY_PRIMER, estimator.promptTokens(empty, "gpt-4o"));
    assertEquals(TokenEstimator.REPLY_PRIMER, estimator.promptTokens(empty, null));
  }

  @Test
  void specialTokenText_isCountedAsOrdinaryText() {
    assertTrue(estimator.textTokens("<|endoftext|>", "gpt-4o") > 1);
  }

  @Test
  void hundredThousandTokenPrompt_isCounted() {
    String prose = "hello world ".repeat(50_000);
    ChatCompletionRequest big = request(ChatMessage.of("user", prose));

    // 50,000 x ("hello", " world") and the trailing space, + 3 + "user" (1) + 3
    assertEquals(100_008, estimator.promptTokens(big, "gpt-4o"));
  }

  @Test
  void hugeTextWithoutWhitespace_isCountedInSlices_closeToTheWholeCount() {
    // As one piece, 400,000 x's are 50,000 tokens of 8 in cl100k_base, and take seconds to encode.
    int tokens = estimator.textTokens("x".repeat(400_000), "gpt-4");

    assertTrue(Math.abs(tokens - 50_000) <= 400_000 / TokenEstimator.SLICE_CHARS + 1, "counted " + tokens);
  }

  @Test
  void slicing_cutsBeforeWhitespaceRuns_soProseCountsAsIfWhole() {
    String prose = "The quick brown fox,   jumps over\n\n the lazy dog 12345. ".repeat(2_000);

    assertTrue(prose.length() > 10 * TokenEstimator.SLICE_CHARS);
    assertEquals(O200K.countTokensOrdinary(prose), estimator.textTokens(prose, "gpt-4o"));
  }

  @Test
  void slicing_keepsSurrogatePairsWhole() {
    String emoji = "\ud83d\ude00";
    // Without a space to cut at, the slice boundary would fall inside a pair; a half pair is not text.
    String text = "a" + emoji.repeat(TokenEstimator.SLICE_CHARS);
    String firstSlice = text.substring(0, TokenEstimator.SLICE_CHARS - 1);
    String rest = text.substring(TokenEstimator.SLICE_CHARS - 1);

    assertEquals(TokenEstimator.countSliced(O200K, firstSlice) + TokenEstimator.countSliced(O200K, rest),
        TokenEstimator.countSliced(O200K, text));
  }

  @Test
  void concurrentCounting_agreesWithSequentialCounting() {
    List<String> texts = IntStream.range(0, 64).mapToObj(i -> "message number " + i + " about tokens ".repeat(i))
        .toList();
    List<Integer> sequential = texts.stream().map(t -> estimator.textTokens(t, "gpt-4o")).toList();

    List<Integer> parallel = texts.parallelStream().map(t -> estimator.textTokens(t, "gpt-4o")).toList();

    assertEquals(sequential, parallel);
  }
}
