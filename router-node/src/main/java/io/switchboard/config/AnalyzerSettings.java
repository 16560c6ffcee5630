package io.switchboard.config;

import java.util.List;
import java.util.Map;

/**
 * The task analyzer's rules ({@code switchboard.analyzer}): what scores for each task kind, how much of
 * a request is read, and the stopwords of the language guess. Plain data, so an operator changes the
 * rules in configuration, not in code.
 *
 * @param scanChars characters of the last user message read for words and signals (half from its start,
 *     half from its end); the whole request is still counted for its size
 * @param minScore the score a kind needs to win; below it the request is {@link TaskKind#CHAT}
 * @param codeFence what each {@code ```} block adds to {@link TaskKind#CODE}
 * @param math what each arithmetic expression or math symbol adds to {@link TaskKind#REASONING}
 * @param responseFormat what a JSON {@code response_format} adds to {@link TaskKind#EXTRACTION}
 * @param tools what offered {@code tools} add to {@link TaskKind#EXTRACTION}
 * @param words words (matched whole, case-insensitively) that score for each kind
 * @param expectedOutputTokens the output a request is expected to produce, for its expected cost (at most
 *     its {@code max_tokens})
 * @param languages stopwords by language code, for the language guess
 */
public record AnalyzerSettings(int scanChars, double minScore, double codeFence, double math, double responseFormat,
    double tools, Map<TaskKind, Words> words, int expectedOutputTokens, Map<String, List<String>> languages) {

  public AnalyzerSettings {
    words = Map.copyOf(words);
    languages = Map.copyOf(languages);
    if (scanChars < 0) throw new IllegalArgumentException("scan-chars must not be negative");
    if (expectedOutputTokens < 0) throw new IllegalArgumentException("expected-output-tokens must not be negative");
  }

  /** Words that score {@code weight} each for one kind. */
  public record Words(double weight, List<String> list) {
    public Words {
      list = List.copyOf(list);
    }
  }
}
