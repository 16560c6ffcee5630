package io.switchboard.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class MarkdownTableTest {

  @Test
  void rendersHeaderSeparatorAndRows() {
    String table = new MarkdownTable("scenario", "req/s").row("direct", 100).row("a|b", 2.5).toString();
    assertEquals("| scenario | req/s |\n|---|---|\n| direct | 100 |\n| a\\|b | 2.5 |\n", table);
  }

  @Test
  void refusesARowOfTheWrongWidth() {
    assertThrows(IllegalArgumentException.class, () -> new MarkdownTable("a", "b").row("only one"));
  }

  @Test
  void formatsMillisecondsNumbersAndRatios() {
    assertEquals("1.23", MarkdownTable.ms(1234));
    assertEquals("-0.50", MarkdownTable.ms(-500));
    assertEquals("3.1", MarkdownTable.num(3.14159, 1));
    assertEquals("0.62×", MarkdownTable.ratio(620, 1000));
    assertEquals("–", MarkdownTable.ratio(620, 0));
  }
}
