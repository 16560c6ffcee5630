package io.switchboard.orchestration;

import static io.switchboard.orchestration.RouteCatalog.chat;
import static io.switchboard.orchestration.RouteCatalog.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.config.Capability;
import io.switchboard.config.TaskKind;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The analyzer's verdicts under the default rules, and rules an operator changes in configuration. */
@Tag("unit")
class TaskAnalyzerTest {
  private final TaskAnalyzer analyzer = new TaskAnalyzer(RouteCatalog.settings("").autoRouting().analyzer());

  @Test
  void codeFenceAndFixWords_makeACodeTask_namingTheLanguageAndTheWords() {
    TaskVerdict v = analyzer.analyze(user("auto", RouteCatalog.CODE_QUESTION));

    assertEquals(TaskKind.CODE, v.kind());
    assertEquals(List.of("fence:python", "fix", "bug"), v.signals());
    assertEquals("code(fence:python,fix,bug)", v.describe());
    assertEquals("en", v.language());
  }

  @Test
  void smallTalk_isChat_withNoSignals() {
    TaskVerdict v = analyzer.analyze(user("auto", RouteCatalog.SMALL_TALK));

    assertEquals(TaskKind.CHAT, v.kind());
    assertEquals(List.of(), v.signals());
    assertEquals("chat", v.describe());
  }

  @Test
  void summariseWords_arithmetic_andAJsonResponseFormat_makeTheirKinds() {
    assertEquals(TaskKind.SUMMARISATION,
        analyzer.analyze(user("auto", "Please summarize the following meeting notes in three bullets.")).kind());
    TaskVerdict math = analyzer.analyze(user("auto", "If 3x + 4 = 19, what is x? Solve it."));
    assertEquals(TaskKind.REASONING, math.kind());
    assertEquals(List.of("math", "solve"), math.signals());
    TaskVerdict extraction = analyzer.analyze(chat("""
        {"model":"auto","messages":[{"role":"user","content":"Name and city of: Ann lives in Oslo."}],
         "response_format":{"type":"json_object"}}"""));
    assertEquals(TaskKind.EXTRACTION, extraction.kind());
    assertEquals(List.of("response_format"), extraction.signals());
    assertEquals(Set.of(Capability.JSON), extraction.needs());
  }

  @Test
  void toolsImagesAndStreaming_areCapabilitiesTheRequestNeeds() {
    TaskVerdict v = analyzer.analyze(chat("""
        {"model":"auto","stream":true,
         "messages":[{"role":"user","content":[{"type":"text","text":"What is in this picture?"},
           {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}],
         "tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}]}"""));

    assertEquals(Set.of(Capability.TOOLS, Capability.VISION, Capability.STREAMING), v.needs());
  }

  @Test
  void size_countsTheWholePrompt_andTheOutputLimitTimesN() {
    String document = "word ".repeat(40_000);
    TaskVerdict v = analyzer.analyze(chat("""
        {"model":"auto","max_tokens":500,"n":2,"messages":[{"role":"system","content":"Be brief."},
         {"role":"user","content":"%s"}]}""".formatted(document)));

    // 200,000 ASCII characters at four a token, plus the framing of two messages.
    assertEquals(50_000 + 2 + 3 + 8, v.promptTokens(), 2);
    assertEquals(1000, v.outputLimit());
    assertEquals(300, v.expectedOutputTokens(), "the configured expectation, under the limit");
    assertEquals(51_000 + 13, v.contextNeeded(4096), 2);
  }

  @Test
  void language_isGuessedFromStopwordsOrScript() {
    assertEquals("fr", analyzer.analyze(user("auto", "Est-ce que vous pouvez m'aider avec les impôts et la banque ?"))
        .language());
    assertEquals("de", analyzer.analyze(user("auto", "Ich weiß nicht, wie das funktioniert und was die Regel ist."))
        .language());
    assertEquals("ru", analyzer.analyze(user("auto", "Привет, как дела? Что нового?")).language());
    assertEquals("und", analyzer.analyze(user("auto", "ok")).language());
  }

  @Test
  void rulesFromConfiguration_changeTheVerdict() {
    TaskAnalyzer custom = new TaskAnalyzer(RouteCatalog.settings("""
        switchboard.analyzer.words.summarisation { weight = 2.0, list = [digest] }
        """).autoRouting().analyzer());

    assertEquals(TaskKind.CHAT, analyzer.analyze(user("auto", "A digest of this thread, please.")).kind());
    TaskVerdict v = custom.analyze(user("auto", "A digest of this thread, please."));
    assertEquals(TaskKind.SUMMARISATION, v.kind());
    assertEquals(List.of("digest"), v.signals());
  }

  @Test
  void aLongMessage_isReadAtItsStartAndItsEnd_only() {
    String middle = "refactor ".repeat(2_000);
    TaskVerdict v = analyzer.analyze(user("auto", "Hello. " + "lorem ".repeat(300) + middle + "ipsum ".repeat(300)));

    assertEquals(TaskKind.CHAT, v.kind(), "words beyond scan-chars are not read: " + v.signals());
    assertTrue(v.promptTokens() > 4_000, "but they are counted");
  }
}
