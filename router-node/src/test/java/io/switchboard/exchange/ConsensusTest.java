package io.switchboard.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.FanOutSettings;
import java.util.Arrays;
import java.util.List;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How a vote compares answers, and how it groups them; and how a judge's reply is read. */
@Tag("unit")
class ConsensusTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Consensus by(FanOutSettings.Normalize normalize, String extract) {
    return new Consensus(new FanOutSettings.Vote(0, normalize, extract, FanOutSettings.NoQuorum.ERROR), JSON);
  }

  private static ByteString says(String text) {
    return ByteString.fromString(FanOutTest.completion("m", text));
  }

  private static ByteString calls(String name, String arguments) throws Exception {
    return ByteString.fromString("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
        + "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"" + name
        + "\",\"arguments\":" + JSON.writeValueAsString(arguments) + "}}]},\"finish_reason\":\"tool_calls\"}]}");
  }

  @Test
  void text_isTrimmedCollapsedAndCaseFolded() {
    Consensus text = by(FanOutSettings.Normalize.TEXT, "");
    assertEquals(text.key(says("Paris is  the\ncapital.")), text.key(says("  paris IS the capital. ")));
    assertNotEquals(text.key(says("Paris")), text.key(says("Lyon")));
  }

  @Test
  void json_isCompareCanonically_evenFenced() {
    Consensus json = by(FanOutSettings.Normalize.JSON, "");
    assertEquals(json.key(says("{\"a\": 1, \"b\": [1, 2]}")), json.key(says("```json\n{\"b\":[1,2],\"a\":1}\n```")));
    assertNotEquals(json.key(says("{\"a\": 1}")), json.key(says("{\"a\": 2}")));
  }

  @Test
  void toolCalls_areComparedByNameAndCanonicalArguments() throws Exception {
    Consensus json = by(FanOutSettings.Normalize.TEXT, "");
    assertEquals(json.key(calls("weather", "{\"city\":\"Paris\",\"unit\":\"c\"}")),
        json.key(calls("weather", "{\"unit\": \"c\", \"city\": \"Paris\"}")));
    assertNotEquals(json.key(calls("weather", "{\"city\":\"Paris\"}")), json.key(calls("time", "{\"city\":\"Paris\"}")));
  }

  @Test
  void regexAndPointer_extractWhatIsCompared() {
    Consensus regex = by(FanOutSettings.Normalize.REGEX, "label: (\\w+)");
    assertEquals(regex.key(says("I think... label: SPAM")), regex.key(says("label: spam, surely")));
    assertNull(regex.key(says("no idea")), "an answer the pattern does not find agrees with none");
    Consensus pointer = by(FanOutSettings.Normalize.JSON_POINTER, "/label");
    assertEquals(pointer.key(says("{\"label\":\"Spam\",\"why\":\"links\"}")), pointer.key(says("{\"label\":\"spam\"}")));
  }

  @Test
  void groups_biggestFirst_theFirstListedOnATie_andKeylessAnswersAlone() {
    assertEquals(List.of(List.of(1, 2), List.of(0)), Consensus.groups(Arrays.asList("x", "y", "y")));
    assertEquals(List.of(List.of(0), List.of(1)), Consensus.groups(Arrays.asList("x", "y")));
    assertEquals(List.of(List.of(0), List.of(1)), Consensus.groups(Arrays.asList(null, null)));
  }

  @Test
  void aJudgesReply_isReadAsJson_orItsFirstNumber_orKeepsTheFirstAnswer() {
    assertEquals(new FanOutPrompts.Verdict(1, "B is right.", true),
        FanOutPrompts.verdict("Sure! {\"choice\": 2, \"reason\": \"B is right.\"}", 3, JSON));
    assertEquals(2, FanOutPrompts.verdict("Answer 3 is the best one.", 3, JSON).index());
    FanOutPrompts.Verdict unreadable = FanOutPrompts.verdict("They are all fine; answer 9.", 3, JSON);
    assertEquals(0, unreadable.index());
    assertEquals(false, unreadable.readable());
    assertEquals("line one line two", FanOutPrompts.clean("line one\r\nline\ttwo"));
  }
}
