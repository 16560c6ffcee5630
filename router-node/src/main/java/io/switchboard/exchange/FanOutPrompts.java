package io.switchboard.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The requests a {@code judge} or {@code fuse} fan-out sends to its judge or fuser, and how the judge's
 * reply is read. Each is a fresh two-message conversation (instructions, then the client's conversation and
 * the candidates' answers as text), so it reads the same to every provider whatever roles the client's
 * conversation used. Pure: no Pekko.
 */
final class FanOutPrompts {
  /** The judge's reply is short: a number and a sentence. */
  static final int JUDGE_MAX_TOKENS = 300;
  private static final Pattern NUMBER = Pattern.compile("\\b(\\d{1,3})\\b");
  private static final int REASON_CHARS = 200;

  private FanOutPrompts() {}

  /** The judge's choice: {@code index} into the answers it was shown (0-based), and its reason. */
  record Verdict(int index, String reason, boolean readable) {}

  /** Asks {@code model} which of {@code answers} is best for {@code client}'s conversation, by {@code rubric}. */
  static ChatCompletionRequest judge(String model, ChatCompletionRequest client, List<String> answers, String rubric) {
    StringBuilder user = new StringBuilder("The conversation:\n\n").append(conversation(client)).append('\n');
    for (int i = 0; i < answers.size(); i++) {
      user.append("\nAnswer ").append(i + 1).append(":\n").append(answers.get(i)).append('\n');
    }
    String system = "You judge answers to a conversation. " + rubric + " Reply with only a JSON object:"
        + " {\"choice\": <the number of the best answer, 1 to " + answers.size() + ">, \"reason\": \"<one short"
        + " sentence>\"}.";
    return request(model, system, user.toString(), JUDGE_MAX_TOKENS);
  }

  /** Asks {@code model} to write one answer from {@code drafts}, by {@code instructions}. */
  static ChatCompletionRequest fuse(String model, ChatCompletionRequest client, List<String> drafts,
      String instructions, boolean stream) {
    StringBuilder user = new StringBuilder("The conversation:\n\n").append(conversation(client)).append('\n');
    for (int i = 0; i < drafts.size(); i++) {
      user.append("\nDraft ").append(i + 1).append(":\n").append(drafts.get(i)).append('\n');
    }
    user.append("\nWrite the answer to the last message of the conversation.");
    return new ChatCompletionRequest(model, List.of(ChatMessage.of("system", instructions),
        ChatMessage.of("user", user.toString())), stream, client.isStream() && stream ? client.streamOptions() : null,
        client.maxTokens(), client.maxCompletionTokens(), client.temperature(), client.topP(), null, null, null,
        client.user(), Map.of());
  }

  /**
   * What the judge chose among {@code count} answers: the {@code choice} of a JSON object in its reply, or
   * else the first number from 1 to {@code count} in it. A reply that names none is unreadable: the first
   * answer is kept, and the reason says so.
   */
  static Verdict verdict(String reply, int count, ObjectMapper mapper) {
    int open = reply.indexOf('{');
    int close = reply.lastIndexOf('}');
    if (open >= 0 && close > open) {
      try {
        JsonNode object = mapper.readTree(reply.substring(open, close + 1));
        JsonNode choice = object.path("choice");
        int n = choice.isInt() ? choice.asInt() : choice.isTextual() ? parse(choice.asText()) : -1;
        if (n >= 1 && n <= count) return new Verdict(n - 1, clean(object.path("reason").asText("")), true);
      } catch (IOException notJson) {
        // read it as text below
      }
    }
    Matcher m = NUMBER.matcher(reply);
    while (m.find()) {
      int n = Integer.parseInt(m.group(1));
      if (n >= 1 && n <= count) return new Verdict(n - 1, clean(reply), true);
    }
    return new Verdict(0, "the judge named no answer; the first kept", false);
  }

  private static int parse(String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A reason fit for a header: printable ASCII on one line, at most {@value #REASON_CHARS} characters. */
  static String clean(String reason) {
    String line = reason.replaceAll("[^\\x20-\\x7e]+", " ").replaceAll("\\s+", " ").strip();
    return line.length() <= REASON_CHARS ? line : line.substring(0, REASON_CHARS - 3) + "...";
  }

  private static ChatCompletionRequest request(String model, String system, String user, int maxTokens) {
    return new ChatCompletionRequest(model, List.of(ChatMessage.of("system", system), ChatMessage.of("user", user)),
        false, null, maxTokens, null, null, null, null, null, null, null, Map.of());
  }

  /** The client's conversation as text: each message's role and its text parts. */
  static String conversation(ChatCompletionRequest client) {
    StringBuilder text = new StringBuilder();
    for (ChatMessage m : client.messages()) {
      text.append(m.role()).append(": ").append(textOf(m.content())).append('\n');
    }
    return text.toString();
  }

  private static String textOf(JsonNode content) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.asText();
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if (part.path("type").asText().equals("text")) text.append(part.path("text").asText());
    }
    return text.toString();
  }
}
