package io.switchboard.bench.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A Switchboard cluster on this machine: a PostgreSQL (embedded unless one is named), then N node
 * JVMs on 127.0.0.1 with distinct HTTP, cluster and management ports and their own data directories,
 * waited for until every node is ready and sees every member Up. {@code deploy/cluster.sh} wraps it:
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.cluster.LocalCluster start [--nodes 3] [--dir deploy/.cluster]
 *     [--config my.conf] [--db-url jdbc:postgresql://host:5432/db --db-user user]   (password: SWITCHBOARD_DB_PASSWORD)
 *     [--http-base 8081] [--cluster-base 25521] [--management-base 8559] [--node-heap 512m] [--timeout 3m]
 * java -cp router-bench.jar io.switchboard.bench.cluster.LocalCluster status [--dir deploy/.cluster]
 * </pre>
 *
 * <p>{@code start} stays in the foreground until Ctrl-C, SIGTERM or a line {@code stop} on its input;
 * then it stops the nodes the way an orchestrator would (SIGTERM: each leaves the cluster and drains)
 * and the embedded PostgreSQL last, since nodes still write on their way out.
 */
public final class LocalCluster implements AutoCloseable {
  static final Duration STOP_GRACE = Duration.ofSeconds(40);
  private static final String LAYOUT_FILE = "cluster.properties";

  /** What to start. */
  public record Options(ClusterLayout layout, Path nodeJar, Optional<Path> userConfig, Optional<String> dbUrl,
      String dbUser, int pgPort, String nodeHeap, Duration startTimeout) {}

  private final ClusterLayout layout;
  private final Database database;
  private final List<NodeProcess> nodes;
  private final Consumer<String> log;
  private final Options options;
  private final AtomicBoolean closed = new AtomicBoolean();

  private LocalCluster(ClusterLayout layout, Database database, List<NodeProcess> nodes, Consumer<String> log,
      Options options) {
    this.layout = layout;
    this.database = database;
    this.nodes = nodes;
    this.log = log;
    this.options = options;
  }

  private static List<String> jvmOptions(Options options) {
    return List.of("-Xmx" + options.nodeHeap(), "-XX:+ExitOnOutOfMemoryError");
  }

  /** Starts the database and the nodes and waits until the cluster is up; stops what it started if not. */
  public static LocalCluster start(Options options, Consumer<String> log) throws IOException, InterruptedException {
    ClusterLayout layout = options.layout();
    if (!Files.isRegularFile(options.nodeJar())) {
      throw new IOException("no node jar at " + options.nodeJar() + ": build it with `mvn -B -q -DskipTests package`"
          + " (deploy/cluster.sh does that for you)");
    }
    Files.createDirectories(layout.runDir());
    Database database = options.dbUrl().isPresent()
        ? Database.external(options.dbUrl().get(), options.dbUser(), Optional.ofNullable(System.getenv(NodeConfigs.PASSWORD_ENV)))
        : Database.embedded(layout.runDir().resolve("postgres"), options.pgPort());
    log.accept((database.isEmbedded() ? "embedded PostgreSQL at " : "PostgreSQL at ") + database.connection().url()
        + " (user " + database.connection().user() + ")");
    Files.writeString(layout.sharedConfig(), NodeConfigs.shared(layout, database.connection(),
        database.password().isPresent(), options.userConfig()));
    writeLayout(layout);
    List<NodeProcess> started = new ArrayList<>();
    LocalCluster cluster = new LocalCluster(layout, database, started, log, options);
    try {
      List<String> jvm = jvmOptions(options);
      for (ClusterLayout.Node node : layout.nodes()) {
        Files.writeString(node.configFile(), NodeConfigs.node(layout, node));
        NodeProcess process = NodeProcess.start(node, options.nodeJar(), jvm, database.password());
        started.add(process);
        log.accept(node.name() + " started, pid " + process.pid() + ", log " + node.logFile());
      }
      ClusterProbe probe = new ClusterProbe();
      if (!probe.awaitUp(layout.nodes(), layout.nodeCount(), options.startTimeout(), log)) {
        probe.describe(layout.nodes()).forEach(log);
        throw new IOException("the cluster was not up within " + options.startTimeout().toSeconds() + " s; see the node logs in "
            + layout.runDir());
      }
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public ClusterLayout layout() {
    return layout;
  }

  public synchronized List<NodeProcess> nodes() {
    return List.copyOf(nodes);
  }

  /**
   * Starts node {@code index} (from 1) again, with the same config file, data directory and JVM
   * options, once its process has ended (a rolling restart); {@link #close} then stops the new one.
   */
  public synchronized NodeProcess restart(int index) throws IOException {
    NodeProcess old = nodes.get(index - 1);
    if (old.isAlive()) throw new IllegalStateException(old.node().name() + " is still running (pid " + old.pid() + ")");
    NodeProcess process = NodeProcess.start(old.node(), options.nodeJar(), jvmOptions(options), database.password());
    nodes.set(index - 1, process);
    log.accept(old.node().name() + " started again, pid " + process.pid());
    return process;
  }

  /** SIGTERM to every node still alive, at once; up to {@link #STOP_GRACE} each; then the database. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    try {
      for (NodeProcess node : nodes()) {
        if (node.isAlive()) log.accept("stopping " + node.node().name() + " (SIGTERM, pid " + node.pid() + ")");
      }
      List<Thread> stopping = new ArrayList<>();
      for (NodeProcess node : nodes()) {
        Thread t = new Thread(() -> {
          try {
            if (!node.stop(STOP_GRACE)) log.accept(node.node().name() + " outstayed " + STOP_GRACE + ": killed");
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "stop-" + node.node().name());
        t.start();
        stopping.add(t);
      }
      for (Thread t : stopping) t.join();
      database.close();
      log.accept("stopped");
    } catch (IOException e) {
      log.accept("could not stop PostgreSQL cleanly: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Where things are, for the operator. */
  public List<String> summary() {
    List<String> lines = new ArrayList<>();
    lines.add("Switchboard cluster of " + layout.nodeCount() + " nodes is up:");
    lines.addAll(new ClusterProbe().describe(layout.nodes()));
    lines.add("database: " + database.connection().url() + " (user " + database.connection().user() + ")");
    lines.add("try: curl -s " + layout.nodes().get(0).httpUrl() + "/v1/models");
    return lines;
  }

  private static void writeLayout(ClusterLayout layout) throws IOException {
    Properties p = new Properties();
    p.setProperty("host", layout.host());
    p.setProperty("nodes", Integer.toString(layout.nodeCount()));
    p.setProperty("http-base", Integer.toString(layout.httpBase()));
    p.setProperty("cluster-base", Integer.toString(layout.clusterBase()));
    p.setProperty("management-base", Integer.toString(layout.managementBase()));
    try (Writer out = Files.newBufferedWriter(layout.runDir().resolve(LAYOUT_FILE))) {
      p.store(out, "the layout of the last local cluster started here; read by `status`");
    }
  }

  static ClusterLayout readLayout(Path runDir) throws IOException {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(runDir.resolve(LAYOUT_FILE))) {
      p.load(in);
    }
    return new ClusterLayout(p.getProperty("host"), Integer.parseInt(p.getProperty("nodes")),
        Integer.parseInt(p.getProperty("http-base")), Integer.parseInt(p.getProperty("cluster-base")),
        Integer.parseInt(p.getProperty("management-base")), runDir);
  }

  static final Set<String> START_FLAGS = Set.of("nodes", "dir", "node-jar", "config", "db-url", "db-user", "pg-port",
      "http-base", "cluster-base", "management-base", "node-heap", "timeout");

  /** The options shared by {@code start} and the failover run. */
  static Options options(Flags flags, Path defaultDir) {
    Path dir = Path.of(flags.get("dir", defaultDir.toString()));
    ClusterLayout layout = new ClusterLayout("127.0.0.1", flags.integer("nodes", ClusterLayout.DEFAULT_NODES),
        flags.integer("http-base", ClusterLayout.DEFAULT_HTTP_BASE),
        flags.integer("cluster-base", ClusterLayout.DEFAULT_CLUSTER_BASE),
        flags.integer("management-base", ClusterLayout.DEFAULT_MANAGEMENT_BASE), dir);
    return new Options(layout, Path.of(flags.get("node-jar", "router-node/target/switchboard-node.jar")).toAbsolutePath(),
        flags.get("config").map(Path::of), flags.get("db-url"), flags.get("db-user", Database.USER),
        flags.integer("pg-port", 0), flags.get("node-heap", "512m"), flags.duration("timeout", Duration.ofMinutes(3)));
  }

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "help" : args[0];
    try {
      switch (command) {
        case "start" -> runInForeground(options(Flags.parse(args, 1, START_FLAGS), Path.of("deploy/.cluster")));
        case "status" -> {
          Flags flags = Flags.parse(args, 1, Set.of("dir"));
          ClusterLayout layout = readLayout(Path.of(flags.get("dir", "deploy/.cluster")).toAbsolutePath());
          new ClusterProbe().describe(layout.nodes()).forEach(System.out::println);
        }
        default -> {
          System.err.println("usage: LocalCluster start [options] | status [--dir DIR]   (see the class comment)");
          System.exit(2);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("cluster: " + e.getMessage());
      System.exit(2);
    }
  }

  private static void runInForeground(Options options) throws InterruptedException {
    Consumer<String> log = line -> System.out.println("[cluster] " + line);
    LocalCluster cluster;
    try {
      cluster = start(options, log);
    } catch (IOException e) {
      System.err.println("cluster: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      cluster.close();
      stopped.countDown();
    }, "cluster-stop"));
    cluster.summary().forEach(log);
    log.accept("Ctrl-C, SIGTERM or `stop` on this terminal stops the cluster");
    Thread stdin = new Thread(() -> awaitStopLine(cluster, stopped), "cluster-stdin");
    stdin.setDaemon(true);
    stdin.start();
    stopped.await();
    System.exit(0);
  }

  /** A line `stop` stops the cluster; end of input (started in the background) does not. */
  private static void awaitStopLine(LocalCluster cluster, CountDownLatch stopped) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.trim().equals("stop")) {
          cluster.close();
          stopped.countDown();
          return;
        }
      }
    } catch (IOException e) {
      // No usable terminal: signals still stop the cluster.
    }
  }
}
