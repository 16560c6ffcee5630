package io.switchboard.bench;

import io.switchboard.bench.load.HttpLoad;
import io.switchboard.bench.load.WarmUp;
import io.switchboard.bench.load.Wrk;
import io.switchboard.bench.load.WrkReport;
import io.switchboard.bench.report.ProcessCpu;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One warm-up round of plain requests against a path, for {@link WarmUp}: wrk when it is installed (its
 * figures are the ones earlier runs recorded, and it costs less CPU per request than the Java generator),
 * one wrk per URI at once with the connections split between them and their rates added up; else the
 * Java generator's closed loop. It also reads how busy the JIT compiler threads of the path's JVMs
 * were during the round, as a share of one core (summed over the JVMs).
 */
final class WarmUpRound implements WarmUp.Round {
  private final HttpLoad load;
  private final String label;
  private final List<URI> uris;
  private final int connections;
  private final Duration length;
  private final boolean wrk;
  private final Path workDir;
  private final List<ProcessCpu> jvms;

  WarmUpRound(HttpLoad load, String label, List<URI> uris, int connections, Duration length, boolean wrk,
      Path workDir, List<ProcessCpu> jvms) {
    this.load = load;
    this.label = label;
    this.uris = List.copyOf(uris);
    this.connections = connections;
    this.length = length;
    this.wrk = wrk;
    this.workDir = workDir;
    this.jvms = List.copyOf(jvms);
  }

  @Override
  public WarmUp.Sample run() throws Exception {
    long compiledBefore = compilerMicros();
    long start = System.nanoTime();
    double rps = wrk ? wrkRound() : -1;
    if (rps < 0) {
      rps = load.closedLoop(label, uris, BenchRun.PLAIN, connections, Duration.ZERO, length).throughput();
    }
    double elapsedMicros = (System.nanoTime() - start) / 1000.0;
    return new WarmUp.Sample(rps, (compilerMicros() - compiledBefore) / elapsedMicros);
  }

  /** The summed rate of the wrk runs, or -1 when none could run. */
  private double wrkRound() throws Exception {
    int each = Math.max(1, connections / uris.size());
    int threads = uris.size() == 1 ? 2 : 1;
    double rps = -1;
    for (Optional<String> text : Wrk.runEach(uris, BenchRun.PLAIN, threads, each, length, workDir)) {
      if (text.isPresent()) rps = Math.max(rps, 0) + WrkReport.parse(text.get()).requestsPerSecond();
    }
    return rps;
  }

  private long compilerMicros() {
    return jvms.stream().mapToLong(ProcessCpu::compilerMicros).sum();
  }
}
