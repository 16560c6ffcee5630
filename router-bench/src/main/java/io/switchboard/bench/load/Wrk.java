package io.switchboard.bench.load;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
}
