package io.switchboard.bench.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One Switchboard node as its own JVM: {@code java -jar switchboard-node.jar --config node-N.conf},
 * output to {@code node-N.log}. Stopped the way an orchestrator stops it ({@link #stop}: SIGTERM, so
 * CoordinatedShutdown leaves the cluster and drains, then SIGKILL if it outstays its grace), or
 * killed outright ({@link #kill}: SIGKILL, no chance to say goodbye), which is what a failover run
 * needs.
 */
public final class NodeProcess {
  private final ClusterLayout.Node node;
  private final Process process;

  private NodeProcess(ClusterLayout.Node node, Process process) {
    this.node = node;
    this.process = process;
  }

  /**
   * Starts the node with the same {@code java} that runs this launcher, or the one {@link NodeJava} names,
   * with {@code jvmOptions} and then {@link NodeJava#options()}.
   *
   * @param password the database password, put in the node's environment only
   */
  public static NodeProcess start(ClusterLayout.Node node, Path nodeJar, List<String> jvmOptions,
      Optional<String> password) throws IOException {
    Files.createDirectories(node.dataDir());
    List<String> command = new ArrayList<>();
    command.add(NodeJava.binary());
    command.addAll(jvmOptions);
    command.addAll(NodeJava.options());
    command.addAll(List.of("-jar", nodeJar.toString(), "--config", node.configFile().toString()));
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(node.dataDir().toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(node.logFile().toFile()));
    Map<String, String> env = builder.environment();
    // The node's file decides; a variable left over in the operator's shell must not.
    env.keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
    password.ifPresent(p -> env.put(NodeConfigs.PASSWORD_ENV, p));
    return new NodeProcess(node, builder.start());
  }

  public ClusterLayout.Node node() {
    return node;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: the JVM dies at once, without leaving the cluster or finishing a single request. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGSTOP: the JVM is frozen (no thread runs, its sockets stay open) until {@link #resume}. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: a frozen JVM runs again, its clocks showing the time it slept. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  /** The exit code once the process has ended. */
  public java.util.OptionalInt exitCode() {
    return process.isAlive() ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(process.exitValue());
  }

  /** Waits up to {@code timeout} for the process to end by itself; whether it did. */
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
        .redirectErrorStream(true).start();
    String said = new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    if (kill.waitFor() != 0) throw new IOException("kill -" + name + " " + process.pid() + " failed: " + said);
  }

  /**
   * SIGTERM, then up to {@code grace} for the node to leave the cluster and drain; SIGKILL after that.
   *
   * @return whether it stopped by itself within {@code grace}
   */
  public boolean stop(Duration grace) throws InterruptedException {
    if (!process.isAlive()) return true;
    process.destroy();
    if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) return true;
    process.destroyForcibly();
    process.waitFor();
    return false;
  }
}
