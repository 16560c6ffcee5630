package io.switchboard.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.history.OutcomeRing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

@Tag("unit")
class HistoryFootprintTest {

  @Test
  void aThousandOutcomeHistory_retainsAboutItsArrays_andNoMoreAfterMoreTraffic() {
    OutcomeRing ring = HistoryFootprint.full(1000);
    long once = GraphLayout.parseInstance(ring).totalSize();
    // The arrays (29 bytes per outcome) and the summary's sort scratch (4), plus headers and the small tables.
    long arrays = 1000L * (OutcomeRing.BYTES_PER_OUTCOME + 4);
    assertTrue(once >= arrays && once < arrays + 2_000, "retained " + once + " bytes");

    for (int i = 0; i < 100_000; i++) ring.add(ring.latest(1).get(0));
    ring.summary();
    assertEquals(once, GraphLayout.parseInstance(ring).totalSize(), "another 100,000 outcomes take no memory");
  }
}
