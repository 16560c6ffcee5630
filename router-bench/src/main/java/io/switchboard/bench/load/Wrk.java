package io.switchboard.bench.load;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs wrk (Debian package {@code wrk}) closed-loop against one URL with a POST body, for the
 * saturation figure: wrk is C and event-driven, so on two cores it leaves more CPU to the server than
 * the JDK client does.
 */
public final class Wrk {
  private Wrk() {}

  /** True when a {@code wrk} binary is on the PATH. */
  public static boolean installed() {
    try {
      Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      p.waitFor(10, TimeUnit.SECONDS);
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** wrk's whole report, or empty if it could not run. */
  public static Optional<String> run(URI uri, String body, int threads, int connections, Duration length,
      Path workDir) throws IOException, InterruptedException {
    Path script = workDir.resolve("wrk-post.lua");
    Files.writeString(script, WrkReport.luaScript(body), StandardCharsets.UTF_8);
    Process p = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + length.toSeconds() + "s",
        "--latency", "-s", script.toString(), uri.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(length.toSeconds() + 60, TimeUnit.SECONDS);
    return p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
  }

  /**
   * One wrk per URI, all at once, each with {@code threads} and {@code connections} of its own: load
   * spread over several servers with no balancer in front (wrk drives one host). Each report, or empty
   * for a wrk that could not run; the caller adds the rates up.
   */
  public static List<Optional<String>> runEach(List<URI> uris, String body, int threads, int connections,
      Duration length, Path workDir) throws IOException, InterruptedException {
    Path script = workDir.resolve("wrk-post.lua");
    Files.writeString(script, WrkReport.luaScript(body), StandardCharsets.UTF_8);
    List<Process> running = new ArrayList<>();
    for (URI uri : uris) {
      running.add(new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + length.toSeconds() + "s",
          "--latency", "-s", script.toString(), uri.toString()).redirectErrorStream(true).start());
    }
    List<Optional<String>> reports = new ArrayList<>();
    for (Process p : running) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(length.toSeconds() + 60, TimeUnit.SECONDS);
      reports.add(p.exitValue() == 0 ? Optional.of(out) : Optional.empty());
    }
    return reports;
  }
}
