package io.switchboard.bench.report;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time spent by a set of processes (user + system, every thread), read from
 * {@code /proc/PID/stat}. CPU per request is a steadier figure than throughput on a shared machine:
 * other tenants slow a server down, but barely change how much CPU it spends on each request.
 */
public final class ProcessCpu {
  /** Kernel clock ticks per second ({@code getconf CLK_TCK}); 100 on every mainstream Linux build. */
  static final int TICKS_PER_SECOND = 100;

  private final List<Long> pids;

  public ProcessCpu(List<Long> pids) {
    this.pids = List.copyOf(pids);
  }

  /** CPU time used so far, in microseconds; processes that are gone count as zero. */
  public long micros() {
    long ticks = 0;
    for (long pid : pids) {
      try {
        ticks += ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
      } catch (IOException e) {
        // gone: nothing more to count
      }
    }
    return ticks * 1_000_000L / TICKS_PER_SECOND;
  }

  /**
   * CPU time used so far by the processes' JIT compiler threads (HotSpot's {@code C1 CompilerThreadN}
   * and {@code C2 CompilerThreadN}), in microseconds: how busy a JVM still is compiling its hot code.
   * Zero for processes that are not JVMs.
   */
  public long compilerMicros() {
    long ticks = 0;
    for (long pid : pids) {
      try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
        for (Path task : tasks) {
          try {
            if (isCompilerThread(Files.readString(task.resolve("comm")))) ticks += ticks(Files.readString(task.resolve("stat")));
          } catch (IOException e) {
            // the thread ended between listing and reading
          }
        }
      } catch (IOException | DirectoryIteratorException e) {
        // gone: nothing more to count
      }
    }
    return ticks * 1_000_000L / TICKS_PER_SECOND;
  }

  /** A thread's {@code comm} (its name cut to 15 characters) names a HotSpot JIT compiler thread. */
  static boolean isCompilerThread(String comm) {
    String name = comm.strip();
    return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
  }

  /**
   * utime + stime (fields 14 and 15) of a {@code /proc/PID/stat} line. The command name (field 2) may
   * hold spaces and parentheses, so fields are counted from the last {@code ')'}.
   */
  static long ticks(String stat) {
    String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    // rest[0] is field 3 (state), so field n is rest[n - 3].
    return Long.parseLong(rest[11]) + Long.parseLong(rest[12]);
  }
}
