package io.switchboard.orchestration;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import io.switchboard.config.AnalyzerSettings;
import io.switchboard.config.Capability;
import io.switchboard.config.TaskKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a decoded request once and says what it asks for ({@link TaskVerdict}), from rules and counts
 * alone: no model call, no tokenizer, deterministic. The rules are {@code switchboard.analyzer}.
 *
 * <p>The kind comes from the last user message (its first and last {@code scan-chars / 2} characters):
 * code fences and their language, arithmetic, configured words per kind; and from the request's shape
 * ({@code response_format}, {@code tools}). The size is the whole prompt's characters, an ASCII character
 * a quarter of a token and any other a whole one, so a long prompt is seen without counting it exactly.
 *
 * <pre>{@code
 * TaskVerdict v = new TaskAnalyzer(settings.autoRouting().analyzer()).analyze(chat);
 * v.describe();   // "code(fence:python,fix)"
 * }</pre>
 */
public final class TaskAnalyzer {
  private static final TaskKind[] KINDS = TaskKind.values();
  private static final int MAX_WORD = 32;
  /** Signals named in a verdict, structural ones (fences, math, response_format, tools) first. */
  private static final int SIGNALS_NAMED = 3;
  /** Signals remembered per kind while scanning, so that structural ones found last still make the cut. */
  private static final int SIGNALS_KEPT = 8;
  private static final int MAX_MATH = 3;

  private final AnalyzerSettings rules;
  private final WordTable words;
  private final String[] languages;

  public TaskAnalyzer(AnalyzerSettings rules) {
    this.rules = rules;
    int count = rules.languages().values().stream().mapToInt(List::size).sum()
        + rules.words().values().stream().mapToInt(w -> w.list().size()).sum();
    this.words = new WordTable(count);
    this.languages = rules.languages().keySet().stream().sorted().limit(64).toArray(String[]::new);
    for (Map.Entry<TaskKind, AnalyzerSettings.Words> kind : rules.words().entrySet()) {
      for (String word : kind.getValue().list()) {
        WordTable.Entry e = words.entry(word.toLowerCase(Locale.ROOT));
        if (e.kindWeights == null) e.kindWeights = new double[KINDS.length];
        e.kindWeights[kind.getKey().ordinal()] += kind.getValue().weight();
      }
    }
    for (int l = 0; l < languages.length; l++) {
      for (String word : rules.languages().get(languages[l])) words.entry(word.toLowerCase(Locale.ROOT)).languages |= 1L << l;
    }
  }

  public TaskVerdict analyze(ChatCompletionRequest chat) {
    Set<Capability> needs = EnumSet.noneOf(Capability.class);
    long tokens = 3;
    String lastUser = "";
    List<ChatMessage> messages = chat.messages() == null ? List.of() : chat.messages();
    for (ChatMessage m : messages) {
      if (m == null) continue;
      String text = m.textContent();
      tokens += 4 + size(text);
      if ("user".equals(m.role())) lastUser = text;
      if (m.content() != null && m.content().isArray() && hasImage(m.content())) needs.add(Capability.VISION);
    }
    Scan scan = new Scan(KINDS.length, languages.length);
    JsonNode tools = chat.extra().get("tools");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      needs.add(Capability.TOOLS);
      tokens += 50L * tools.size();
      scan.signal(TaskKind.EXTRACTION, rules.tools(), "tools");
    }
    JsonNode format = chat.extra().get("response_format");
    if (format != null) {
      String type = format.path("type").asText("");
      if (type.equals("json_object") || type.equals("json_schema")) {
        needs.add(Capability.JSON);
        scan.signal(TaskKind.EXTRACTION, rules.responseFormat(), "response_format");
      }
    }
    if (chat.isStream()) needs.add(Capability.STREAMING);
    int half = rules.scanChars() / 2;
    int length = lastUser.length();
    if (length <= 2 * half) {
      read(lastUser, 0, length, scan);
    } else {
      read(lastUser, 0, half, scan);
      read(lastUser, length - half, length, scan);
    }
    if (scan.fences > 0) {
      scan.signal(TaskKind.CODE, rules.codeFence() * ((scan.fences + 1) / 2),
          scan.fenceLanguage == null ? "fence" : "fence:" + scan.fenceLanguage);
    }
    if (scan.math > 0) scan.signal(TaskKind.REASONING, rules.math() * scan.math, "math");
    TaskKind kind = TaskKind.CHAT;
    double best = 0;
    for (TaskKind k : KINDS) {
      if (k != TaskKind.CHAT && scan.scores[k.ordinal()] > best) {
        best = scan.scores[k.ordinal()];
        kind = k;
      }
    }
    if (best < rules.minScore()) kind = TaskKind.CHAT;
    Integer limit = outputLimit(chat);
    int expected = limit == null ? rules.expectedOutputTokens() : Math.min(limit, rules.expectedOutputTokens());
    return new TaskVerdict(kind, scan.signals(kind), (int) Math.min(Integer.MAX_VALUE, tokens), limit, expected,
        needs, scan.language(languages));
  }

  private static Integer outputLimit(ChatCompletionRequest chat) {
    Integer limit = chat.outputTokenLimit();
    if (limit == null || limit <= 0) return null;
    int n = chat.n() != null && chat.n() > 1 ? chat.n() : 1;
    return (int) Math.min(Integer.MAX_VALUE, (long) limit * n);
  }

  /** An ASCII character is about a quarter of a token; any other (CJK, emoji) about one. */
  private static long size(String text) {
    long ascii = 0;
    long other = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < 128) ascii++;
      else other++;
    }
    return (ascii + 3) / 4 + other;
  }

  private static boolean hasImage(JsonNode parts) {
    for (JsonNode part : parts) {
      String type = part.path("type").asText("");
      if (type.equals("image_url") || type.equals("image") || type.equals("input_image")) return true;
    }
    return false;
  }

  /** Words, fences, arithmetic and scripts of {@code text[from, to)}. */
  private void read(String text, int from, int to, Scan scan) {
    char[] word = scan.word;
    int length = 0;
    int hash = 0;
    for (int i = from; i <= to; i++) {
      char c = i < to ? text.charAt(i) : ' ';
      if (Character.isLetter(c)) {
        if (length < MAX_WORD) {
          char lower = Character.toLowerCase(c);
          word[length++] = lower;
          hash = 31 * hash + lower;
        }
        if (c > 0x24F) scan.script(c);
        else scan.latin++;
        continue;
      }
      if (length > 0) {
        WordTable.Entry e = length < MAX_WORD ? words.find(word, length, WordTable.spread(hash)) : null;
        if (e != null) scan.word(e, KINDS);
        length = 0;
        hash = 0;
      }
      if (c == '`' && i + 2 < to && text.charAt(i + 1) == '`' && text.charAt(i + 2) == '`') {
        scan.fences++;
        if (scan.fences % 2 == 1 && scan.fenceLanguage == null) scan.fenceLanguage = fenceLanguage(text, i + 3, to);
        i += 2;
      } else if (scan.math < MAX_MATH && isMath(text, i, from, to, c)) {
        scan.math++;
      }
    }
  }

  private static String fenceLanguage(String text, int start, int to) {
    int end = start;
    while (end < to && end - start < 20 && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '+'
        || text.charAt(end) == '#')) {
      end++;
    }
    return end > start ? text.substring(start, end).toLowerCase(Locale.ROOT) : null;
  }

  /** A math symbol, or an operator with a digit on one side and a letter or digit on the other. */
  private static boolean isMath(String text, int i, int from, int to, char c) {
    if (c == '∫' || c == '∑' || c == '√' || c == 'π' || c == '≤' || c == '≥' || c == '≠' || c == '∞') return true;
    if (c != '+' && c != '-' && c != '*' && c != '/' && c != '^' && c != '=') return false;
    int p = i - 1;
    while (p >= from && text.charAt(p) == ' ') p--;
    int n = i + 1;
    while (n < to && text.charAt(n) == ' ') n++;
    if (p < from || n >= to) return false;
    char before = text.charAt(p);
    char after = text.charAt(n);
    boolean digitSide = Character.isDigit(before) || Character.isDigit(after);
    return digitSide && (Character.isLetterOrDigit(before) || before == ')')
        && (Character.isLetterOrDigit(after) || after == '(');
  }

  /** What one analysis has counted so far. */
  private static final class Scan {
    final char[] word = new char[MAX_WORD];
    final double[] scores;
    final String[][] hits;
    final int[] hitCount;
    final int[] languageHits;
    int fences;
    String fenceLanguage;
    int math;
    int latin;
    int nonLatin;
    Character.UnicodeScript script;
    int scriptCount;

    Scan(int kinds, int languages) {
      scores = new double[kinds];
      hits = new String[kinds][];
      hitCount = new int[kinds];
      languageHits = new int[languages];
    }

    void signal(TaskKind kind, double weight, String name) {
      scores[kind.ordinal()] += weight;
      note(kind.ordinal(), name);
    }

    private void note(int kind, String name) {
      if (hitCount[kind] >= SIGNALS_KEPT) return;
      if (hits[kind] == null) hits[kind] = new String[SIGNALS_KEPT];
      for (int k = 0; k < hitCount[kind]; k++) {
        if (hits[kind][k].equals(name)) return;
      }
      hits[kind][hitCount[kind]++] = name;
    }

    void word(WordTable.Entry e, TaskKind[] kinds) {
      if (e.kindWeights != null) {
        for (int k = 0; k < kinds.length; k++) {
          if (e.kindWeights[k] != 0) {
            scores[k] += e.kindWeights[k];
            note(k, e.word);
          }
        }
      }
      long mask = e.languages;
      while (mask != 0) {
        int l = Long.numberOfTrailingZeros(mask);
        languageHits[l]++;
        mask &= mask - 1;
      }
    }

    void script(char c) {
      Character.UnicodeScript s = Character.UnicodeScript.of(c);
      if (s == Character.UnicodeScript.LATIN) {
        latin++;
        return;
      }
      nonLatin++;
      if (s == script) scriptCount++;
      else if (scriptCount == 0) {
        script = s;
        scriptCount = 1;
      } else {
        scriptCount--;
      }
    }

    /** The winning kind's first signals in the order they were met, structural ones first. */
    List<String> signals(TaskKind kind) {
      if (kind == TaskKind.CHAT) return List.of();
      int k = kind.ordinal();
      List<String> signals = new ArrayList<>(hitCount[k]);
      for (int i = 0; i < hitCount[k]; i++) signals.add(hits[k][i]);
      signals.sort((a, b) -> Boolean.compare(!structural(a), !structural(b)));
      return signals.size() > SIGNALS_NAMED ? List.copyOf(signals.subList(0, SIGNALS_NAMED)) : signals;
    }

    private static boolean structural(String signal) {
      return signal.startsWith("fence") || signal.equals("math") || signal.equals("response_format")
          || signal.equals("tools");
    }

    String language(String[] names) {
      if (nonLatin > latin && script != null) return scriptLanguage(script);
      int best = -1;
      int hitsOfBest = 1;
      for (int l = 0; l < languageHits.length; l++) {
        if (languageHits[l] > hitsOfBest) {
          best = l;
          hitsOfBest = languageHits[l];
        }
      }
      return best < 0 ? "und" : names[best];
    }

    private static String scriptLanguage(Character.UnicodeScript s) {
      return switch (s) {
        case HAN -> "zh";
        case HIRAGANA, KATAKANA -> "ja";
        case HANGUL -> "ko";
        case CYRILLIC -> "ru";
        case ARABIC -> "ar";
        case GREEK -> "el";
        case DEVANAGARI -> "hi";
        case HEBREW -> "he";
        case THAI -> "th";
        default -> "und";
      };
    }
  }
}
