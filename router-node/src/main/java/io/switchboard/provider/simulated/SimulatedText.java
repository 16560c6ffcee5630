package io.switchboard.provider.simulated;

import io.switchboard.api.openai.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic stand-in text: the same conversation and seed always give the same tokens, so tests
 * and benchmarks can compare answers. Each token is one word (with its leading space), and the prompt
 * is estimated at one token per four characters plus four per message, close enough to a real
 * tokenizer for load shapes.
 */
final class SimulatedText {
  private static final String[] OPENING = {"This", " is", " a", " simulated", " reply", " from", " Switchboard."};
  private static final String[] WORDS = {
    "gateway", "token", "stream", "cluster", "provider", "request", "latency", "budget", "queue", "model",
    "router", "limit", "shard", "node", "answer", "prompt", "bucket", "retry", "signal", "packet",
    "switch", "channel", "window", "context", "message", "reply", "route", "cache", "ledger", "metric",
  };

  private SimulatedText() {}

  /** A judge's instruction: reply with a JSON {@code choice} among answers 1 to N. */
  private static final java.util.regex.Pattern JUDGE =
      java.util.regex.Pattern.compile("\\{\"choice\": <the number of the best answer, 1 to (\\d+)>");

  /**
   * The tokens of an answer: deterministic words; or, when the conversation opens with a judge's
   * instruction to reply with a JSON {@code choice} among answers 1 to N (a {@code judge} fan-out's), a
   * seeded choice in that form, so a judge route over simulated models works like one over real ones.
   */
  static List<String> tokens(long seed, List<ChatMessage> messages, int count) {
    SplittableRandom random = new SplittableRandom(seed ^ conversationHash(messages));
    if (!messages.isEmpty() && "system".equals(messages.get(0).role())) {
      java.util.regex.Matcher judge = JUDGE.matcher(messages.get(0).textContent());
      if (judge.find()) {
        int answers = Math.max(1, Integer.parseInt(judge.group(1)));
        int choice = 1 + random.nextInt(answers);
        List<String> verdict = new ArrayList<>();
        for (String word : ("{\"choice\": " + choice + ", \"reason\": \"simulated judge: answer " + choice + " of "
            + answers + " chosen by seed\"}").split("(?= )")) {
          verdict.add(word);
        }
        return verdict;
      }
    }
    List<String> tokens = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      tokens.add(i < OPENING.length ? OPENING[i] : " " + WORDS[random.nextInt(WORDS.length)]);
    }
    return tokens;
  }

  static int promptTokens(List<ChatMessage> messages) {
    int tokens = 0;
    for (ChatMessage message : messages) {
      tokens += 4 + (message.textContent().length() + 3) / 4;
    }
    return tokens;
  }

  private static long conversationHash(List<ChatMessage> messages) {
    long hash = 1125899906842597L;
    for (ChatMessage message : messages) {
      hash = 31 * hash + String.valueOf(message.role()).hashCode();
      hash = 31 * hash + message.textContent().hashCode();
    }
    return hash;
  }
}
