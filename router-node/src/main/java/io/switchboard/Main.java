package io.switchboard;

import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.cluster.ClusterConfig;
import io.switchboard.config.SettingsException;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.logging.LogFormat;
import io.switchboard.persistence.PersistenceConfig;
import io.switchboard.persistence.StateStoreException;
import io.switchboard.warmup.WarmUp;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar switchboard-node.jar [--config FILE] [--exit-when-warm]}: starts one node. The
 * configuration file may also be named by {@code SWITCHBOARD_CONFIG}; without one, the built-in defaults
 * serve a simulated model on 127.0.0.1:8080.
 *
 * <p>{@code --exit-when-warm} starts the node as usual, lets its warm-up run, and then stops it and exits:
 * 0 when the warm-up went through, 1 when it stopped early. It is the training run of a JDK 25 AOT cache
 * ({@code java -XX:AOTCacheOutput=switchboard.aot -jar switchboard-node.jar --exit-when-warm}), which
 * records what the warm-up loaded and ran, and the JVM writes the cache as it exits.
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

  /** What the command line asks: a configuration file, and whether to exit once the warm-up is over. */
  record Arguments(Optional<Path> configFile, boolean exitWhenWarm) {}

  static final String USAGE = "usage: java -jar switchboard-node.jar [--config FILE] [--exit-when-warm]"
      + "   (or SWITCHBOARD_CONFIG=FILE)";

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
    Arguments arguments;
    try {
      arguments = arguments(args, System.getenv(SwitchboardSettings.CONFIG_ENV));
      config = SwitchboardSettings.load(arguments.configFile());
      settings = SwitchboardSettings.from(config, System::getenv);
      if (arguments.exitWhenWarm() && !settings.warmUp().enabled()) {
        throw new SettingsException("--exit-when-warm needs the warm-up on, and switchboard.warm-up.enabled is off"
            + " (SWITCHBOARD_WARM_UP)");
      }
      config = PersistenceConfig.layeredOver(config, settings.persistence());
      config = ClusterConfig.layeredOver(config, settings.cluster(), settings.http());
    } catch (SettingsException e) {
      System.err.println("switchboard: " + e.getMessage());
      System.exit(2);
      return;
    }
    CompletableFuture<Guardian.Started> bound = new CompletableFuture<>();
    WarmUp.Hooks warmUp = WarmUp.Hooks.none();
    ActorSystem<Void> system = ActorSystem.create(
        Guardian.create(settings, OpenAiJson.newMapper(), Clock.systemUTC(), warmUp, bound),
        ClusterConfig.SYSTEM_NAME, config);
    if (arguments.exitWhenWarm()) {
      warmUp.outcome().thenAccept(outcome -> {
        System.out.println(warmLine(outcome));
        system.terminate();
        system.getWhenTerminated().thenRun(() -> System.exit(outcome.problem() == null ? 0 : 1));
      });
    }
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

  /** The line {@code --exit-when-warm} prints before the node stops. */
  static String warmLine(WarmUp.Outcome outcome) {
    String counts = String.format(Locale.ROOT, "%d of %d warm-up requests answered in %.1f s", outcome.answered(),
        outcome.sent(), outcome.took().toMillis() / 1000.0);
    return outcome.problem() == null
        ? "Switchboard warmed up: " + counts + "; stopping, as --exit-when-warm asks"
        : "switchboard: the warm-up stopped early (" + outcome.problem() + "; " + counts
            + "); stopping with status 1, as --exit-when-warm asks";
  }

  /** Reads the command line; a file named by {@code --config} wins over {@code configEnv}. */
  static Arguments arguments(String[] args, String configEnv) {
    Optional<Path> file = Optional.empty();
    boolean exitWhenWarm = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config")) {
        if (i + 1 >= args.length) throw new SettingsException("--config needs a file path");
        file = Optional.of(Path.of(args[++i]));
      } else if (args[i].startsWith("--config=")) {
        file = Optional.of(Path.of(args[i].substring("--config=".length())));
      } else if (args[i].equals("--exit-when-warm")) {
        exitWhenWarm = true;
      } else if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.println(USAGE);
        System.exit(0);
      } else {
        throw new SettingsException("unknown argument '" + args[i] + "'; " + USAGE);
      }
    }
    if (file.isEmpty() && configEnv != null && !configEnv.isBlank()) file = Optional.of(Path.of(configEnv));
    return new Arguments(file, exitWhenWarm);
  }
}
