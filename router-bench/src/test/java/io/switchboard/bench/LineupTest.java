package io.switchboard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A side-by-side run's targets as run.sh names them, and the order they take in each round. */
@Tag("unit")
class LineupTest {

  @Test
  void parse_readsLabelsUrlsAndPids_inOrder() {
    Lineup lineup = Lineup.parse("pool=http://127.0.0.1:9301=11;connection=http://127.0.0.1:9302=12,13;");

    assertEquals(List.of(
        new Lineup.Entry("pool", "http://127.0.0.1:9301", List.of(11L)),
        new Lineup.Entry("connection", "http://127.0.0.1:9302", List.of(12L, 13L))), lineup.entries());
  }

  @Test
  void parse_refusesAnEntryWithoutPid_aRepeatedLabel_andNothing() {
    assertThrows(IllegalArgumentException.class, () -> Lineup.parse("pool=http://127.0.0.1:9301"));
    assertThrows(IllegalArgumentException.class, () -> Lineup.parse("a=http://x:1=1;a=http://x:2=2"));
    assertThrows(IllegalArgumentException.class, () -> Lineup.parse(" ; "));
  }

  @Test
  void twoTargets_alternate_asTheAbRunAlwaysDid() {
    List<String> pair = List.of("old", "new");

    assertEquals(List.of("old", "new"), Lineup.rotation(pair, 1));
    assertEquals(List.of("new", "old"), Lineup.rotation(pair, 2));
    assertEquals(List.of("old", "new"), Lineup.rotation(pair, 3));
  }

  @Test
  void threeTargets_eachRunsFirstOnceInThreeRounds() {
    List<String> three = List.of("pool", "connection", "netty");

    assertEquals(List.of("pool", "connection", "netty"), Lineup.rotation(three, 1));
    assertEquals(List.of("connection", "netty", "pool"), Lineup.rotation(three, 2));
    assertEquals(List.of("netty", "pool", "connection"), Lineup.rotation(three, 3));
    assertEquals(List.of("pool", "connection", "netty"), Lineup.rotation(three, 4));
  }
}
