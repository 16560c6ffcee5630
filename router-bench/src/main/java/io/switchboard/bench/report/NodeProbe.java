package io.switchboard.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Memory of a running JVM (the node under test) seen from outside: RSS from {@code /proc}, heap from
 * {@code jcmd}. {@link #heapUsedAfterGcKib()} asks for a full collection first, so it shows what is
 * live rather than garbage not yet collected. {@link #openFiles()} lets the harness wait for a phase's
 * sockets to close before the next phase starts.
 */
public final class NodeProbe {
  private final long pid;

  public NodeProbe(long pid) {
    this.pid = pid;
  }

  public OptionalLong rssKib() {
    try {
      return ProcessMemory.rssKib(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  /** How many files and sockets the process holds open ({@code /proc/PID/fd}), or empty when it cannot be read. */
  public OptionalLong openFiles() {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return OptionalLong.of(fds.count());
    } catch (IOException | UncheckedIOException e) {
      return OptionalLong.empty();
    }
  }

  public OptionalLong heapUsedKib() {
    return ProcessMemory.heapUsedKib(jcmd("GC.heap_info"));
  }

  public OptionalLong heapUsedAfterGcKib() {
    jcmd("GC.run");
    return heapUsedKib();
  }

  private String jcmd(String command) {
    try {
      Process process = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.waitFor(30, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
