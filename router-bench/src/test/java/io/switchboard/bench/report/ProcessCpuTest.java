package io.switchboard.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.bench.load.Await;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ProcessCpuTest {

  @Test
  void addsUserAndSystemTicks() {
    String stat = "4242 (java) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 56 0 0 20 0 40 0 300 0 0";
    assertEquals(1290, ProcessCpu.ticks(stat));
  }

  @Test
  void aCommandNameWithSpacesAndParenthesesDoesNotShiftFields() {
    String stat = "77 (nginx: worker (x)) S 1 77 77 0 -1 4194560 10 0 0 0 7 3 0 0 20 0 1 0 300 0 0";
    assertEquals(10, ProcessCpu.ticks(stat));
  }

  @Test
  void readsThisProcessAndIgnoresOnesThatAreGone() {
    long self = ProcessHandle.current().pid();
    assertTrue(new ProcessCpu(List.of(self)).micros() > 0, "this JVM has used some CPU");
    assertEquals(0, new ProcessCpu(List.of(Long.MAX_VALUE)).micros());
  }

  /** HotSpot names its JIT threads {@code C1 CompilerThread0}, {@code C2 CompilerThread1}; comm keeps 15 characters. */
  @Test
  void recognisesTheJitCompilerThreadsByTheirCutNames() {
    assertTrue(ProcessCpu.isCompilerThread("C2 CompilerThre\n"));
    assertTrue(ProcessCpu.isCompilerThread("C1 CompilerThre"));
    assertFalse(ProcessCpu.isCompilerThread("GC Thread#0"));
    assertFalse(ProcessCpu.isCompilerThread("switchboard-pek"));
  }

  /** This test's own JVM has compiled code by the time it runs (more work compiles more if not yet). */
  @Test
  void compilerTimeIsCountedAndPartOfTheProcessesTime_andZeroForOnesThatAreGone() throws InterruptedException {
    ProcessCpu self = new ProcessCpu(List.of(ProcessHandle.current().pid()));
    long[] sink = {0};
    assertTrue(Await.until(() -> {
      for (int i = 0; i < 100_000; i++) sink[0] += Long.hashCode(sink[0] * 31 + i);
      return self.compilerMicros() > 0;
    }, Duration.ofSeconds(20), Duration.ofMillis(10)), "no JIT compiler time seen in this JVM");
    long compiler = self.compilerMicros();
    assertTrue(compiler <= self.micros(), compiler + " of " + self.micros());
    assertEquals(0, new ProcessCpu(List.of(Long.MAX_VALUE)).compilerMicros());
  }
}
