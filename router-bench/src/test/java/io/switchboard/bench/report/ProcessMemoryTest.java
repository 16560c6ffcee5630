package io.switchboard.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ProcessMemoryTest {

  @Test
  void readsResidentSetSizeFromProcStatus() {
    String status = "Name:\tjava\nVmPeak:\t 4000000 kB\nVmHWM:\t  300000 kB\nVmRSS:\t  212992 kB\nRssAnon:\t 190000 kB\n";
    assertEquals(OptionalLong.of(212992), ProcessMemory.rssKib(status));
    assertEquals(OptionalLong.empty(), ProcessMemory.rssKib("Name:\tjava\n"));
  }

  @Test
  void readsHeapUsedFromJcmdHeapInfo() {
    String g1 = """
        4242:
         garbage-first heap   total 1048576K, used 23552K [0x00000000c0000000, 0x0000000100000000)
          region size 1024K, 5 young (5120K), 0 survivors (0K)
         Metaspace       used 41000K, committed 41500K, reserved 1114112K
        """;
    assertEquals(OptionalLong.of(23552), ProcessMemory.heapUsedKib(g1));
    assertEquals(OptionalLong.empty(), ProcessMemory.heapUsedKib("4242:\nCould not attach"));
  }

  @Test
  void showsMebibytesOrADash() {
    assertEquals("1.5", ProcessMemory.mib(OptionalLong.of(1536)));
    assertEquals("–", ProcessMemory.mib(OptionalLong.empty()));
  }
}
