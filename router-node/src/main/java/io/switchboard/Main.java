package io.switchboard;

import io.switchboard.cluster.ClusterConfig;
import io.switchboard.config.SettingsException;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.logging.LogFormat;
import io.switchboard.persistence.PersistenceConfig;
import io.switchboard.persistence.StateStoreException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar switchboard-node.jar [--config FILE]}: starts one node. The configuration file may
 * also be named by {@code SWITCHBOARD_CONFIG}; without one, the built-in defaults serve a simulated
 * model on 127.0.0.1:8080.
 */
public final class Main {
  private Main() {}

  static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /**
   * Pekko's Java API hands out CompletionStages (asks, HTTP, streams) whose non-async callbacks run
   * on the JDK's common pool. On a machine with two cores that pool has a parallelism of one, and the
   * JDK then starts a new thread for every callback: measured here, that made each admission round
   * trip about 15 times slower. Unless the operator set it, give the pool at least two threads. Must
   * run before anything touches the common pool.
   */
  static void useAPooledCommonExecutor() {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM,
          Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
    }
  }

  public static void main(String[] args) {
    useAPooledCommonExecutor();
    Optional<String> badFormat = LogFormat.problem(System::getProperty, System::getenv);
    if (badFormat.isPresent()) {
      System.err.println("switchboard: " + badFormat.get());
      System.exit(2);
      return;
    }
    // Initialise logging before Pekko's threads start, so no early log line is queued and replayed.
    LoggerFactory.getLogger(Main.class);
    Config config;
    SwitchboardSettings settings;
    try {
      Optional<Path> file = configFile(args);
      config = SwitchboardSettings.load(file);
      settings = SwitchboardSettings.from(config, System::getenv);
      config = PersistenceConfig.layeredOver(config, settings.persistence());
      config = ClusterConfig.layeredOver(config, settings.cluster(), settings.http());
    } catch (SettingsException e) {
      System.err.println("switchboard: " + e.getMessage());
      System.exit(2);
      return;
    }
    CompletableFuture<Guardian.Started> bound = new CompletableFuture<>();
    ActorSystem<Void> system = ActorSystem.create(Guardian.create(settings, bound), ClusterConfig.SYSTEM_NAME, config);
    SwitchboardSettings served = settings;
    bound.whenComplete((started, error) -> {
      if (error != null) {
        System.err.println("switchboard: " + failure(error, served));
        system.terminate();
        system.getWhenTerminated().thenRun(() -> System.exit(1));
      } else {
        System.out.println(startupLine(started.binding().localAddress(), served));
      }
    });
  }

  static String failure(Throwable error, SwitchboardSettings settings) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof StateStoreException) return cause.getMessage();
    return "could not listen on " + settings.http().host() + ":" + settings.http().port() + ": " + cause.getMessage();
  }

  static String startupLine(InetSocketAddress address, SwitchboardSettings settings) {
    String models = settings.models().values().stream()
        .map(m -> m.name() + " (" + m.deployments().stream()
            .map(d -> "provider " + d.provider() + ", " + settings.providers().get(d.provider()).kind().configName())
            .collect(Collectors.joining("; then ")) + ")")
        .collect(Collectors.joining(", "));
    String routes = settings.routes().values().stream()
        .map(r -> r.name() + " (over " + String.join(", ", r.candidates()) + ")")
        .collect(Collectors.joining(", "));
    String fanOuts = settings.fanOuts().values().stream()
        .map(f -> f.name() + " (" + f.strategy().configName() + " over " + String.join(", ", f.candidates()) + ")")
        .collect(Collectors.joining(", "));
    return "Switchboard listening on http://" + address.getHostString() + ":" + address.getPort()
        + " serving models: " + models + (routes.isEmpty() ? "" : "; auto routes: " + routes)
        + (fanOuts.isEmpty() ? "" : "; fan-outs: " + fanOuts);
  }

  private static Optional<Path> configFile(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config")) {
        if (i + 1 >= args.length) throw new SettingsException("--config needs a file path");
        return Optional.of(Path.of(args[i + 1]));
      }
      if (args[i].startsWith("--config=")) return Optional.of(Path.of(args[i].substring("--config=".length())));
      if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.println("usage: java -jar switchboard-node.jar [--config FILE]   (or SWITCHBOARD_CONFIG=FILE)");
        System.exit(0);
      }
      throw new SettingsException("unknown argument '" + args[i] + "'; usage: [--config FILE]");
    }
    String env = System.getenv(SwitchboardSettings.CONFIG_ENV);
    return env == null || env.isBlank() ? Optional.empty() : Optional.of(Path.of(env));
  }
}
