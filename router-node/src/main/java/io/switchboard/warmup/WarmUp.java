package io.switchboard.warmup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.config.WarmUpSettings;
import io.switchboard.persistence.PersistenceConfig;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms a node's request path before it turns ready. HotSpot compiles what runs hot, per method, whatever
 * object runs it: so a throwaway gateway, built by the node's own composition root from the node's own
 * settings, with an OpenAI and an Anthropic provider pointing at a {@link LoopbackUpstream}, is driven with
 * real HTTP requests (plain and streamed, OpenAI and Anthropic dialect, to each provider), and the served gateway then runs code that
 * is already compiled.
 *
 * <p>The throwaway gateway lives in an actor system of its own, with no cluster, an H2 database in
 * memory, its own metrics registry and its own key. Terminating that system frees all of it, and
 * nothing of the warm-up reaches the served node: no usage record, metric, history, provider state,
 * model, or row in its database or file in its data directory. The cost is that actor system's start
 * (well under a second); the gain over a child actor of the node is that no schedule, system actor or
 * connection pool of the warm-up can outlive it.
 *
 * <pre>{@code
 * WarmUp.start(system, settings, mapper, gateway, WarmUp.answerAtOnce()).thenRun(() -> warm.set(true));
 * }</pre>
 *
 * <p>The returned stage always completes normally, at the latest {@code max-duration} (plus the
 * termination of the throwaway system, a few seconds at most) after the start: a warm-up that fails is
 * logged at WARN and never keeps the node from serving.
 */
public final class WarmUp {
  private static final Logger log = LoggerFactory.getLogger(WarmUp.class);

  /** The throwaway gateway's models: one on an OpenAI provider, one on an Anthropic provider. */
  static final String MODEL = "warm-up";
  static final String ANTHROPIC_MODEL = "warm-up-anthropic";
  // Names the throwaway gateway's settings look its keys up under, in an environment of its own: never the
  // process's. Its admin key is random per warm-up; its upstream key is a placeholder the loopback ignores.
  private static final String ADMIN_KEY_ENV = "SWITCHBOARD_WARM_UP_ADMIN_KEY";
  private static final String UPSTREAM_KEY_ENV = "SWITCHBOARD_WARM_UP_UPSTREAM_KEY";
  /** How long the throwaway system gets to terminate before the node turns ready without waiting for it. */
  static final Duration TERMINATION_WAIT = Duration.ofSeconds(5);
  private static final AtomicInteger RUNS = new AtomicInteger();

  private WarmUp() {}

  /** Starts a gateway from its settings: the node's composition root, completing {@code bound} once it listens. */
  @FunctionalInterface
  public interface Gateway {
    Behavior<Void> create(SwitchboardSettings settings, CompletableFuture<InetSocketAddress> bound);
  }

  /**
   * What a test may set of a node's warm-up.
   *
   * @param upstreamStatus decides each loopback answer ({@link #answerAtOnce()} in production)
   * @param outcome completed with how the warm-up went, once the node turned ready after it
   */
  public record Hooks(Supplier<CompletionStage<Integer>> upstreamStatus, CompletableFuture<Outcome> outcome) {
    /** A warm-up whose upstream answers at once, and nobody waiting for its outcome. */
    public static Hooks none() {
      return new Hooks(answerAtOnce(), new CompletableFuture<>());
    }
  }

  /**
   * How a warm-up went.
   *
   * @param sent requests sent to the throwaway gateway
   * @param answered those answered 200 and read to the end
   * @param upstreamCalls calls the loopback upstream answered: requests that went all the way through
   * @param lastRoundPerSecond requests per second of the last round finished, 0 when none finished
   * @param problem why the warm-up stopped early, or null when it did not
   */
  public record Outcome(int sent, int answered, int upstreamCalls, Duration took, double lastRoundPerSecond,
      String problem) {}

  /** Counts kept while requests run, read when the warm-up ends however it ends. */
  static final class Progress {
    /** The status recorded for an answer that said 200 and then ended before its dialect's end. */
    static final int INCOMPLETE = -1;

    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger lastFailure = new AtomicInteger();
    private final AtomicLong lastRoundMillis = new AtomicLong();
    private final AtomicInteger lastRoundCount = new AtomicInteger();
    private final AtomicInteger kinds = new AtomicInteger();

    void sent() {
      sent.incrementAndGet();
    }

    int kind() {
      return kinds.getAndIncrement();
    }

    /**
     * @param status the HTTP status of an answer read to its end, 0 when the request failed without one,
     *     {@link #INCOMPLETE} for a 200 that was not whole
     */
    void answered(int status) {
      if (status == 200) {
        answered.incrementAndGet();
      } else {
        failed.incrementAndGet();
        lastFailure.set(status);
      }
    }

    synchronized void roundDone(int count, Duration took) {
      lastRoundCount.set(count);
      lastRoundMillis.set(Math.max(1, took.toMillis()));
    }

    synchronized double lastRoundPerSecond() {
      return lastRoundCount.get() == 0 ? 0 : lastRoundCount.get() * 1000.0 / lastRoundMillis.get();
    }
  }

  /**
   * Runs the warm-up {@code settings.warmUp()} describes, with {@code upstreamStatus} deciding each loopback
   * answer (tests hold or fail it; {@link #answerAtOnce()} otherwise).
   *
   * @param node the node's actor system: the throwaway gateway starts from its configuration, and stops
   *     when it terminates
   */
  public static CompletionStage<Outcome> start(ActorSystem<?> node, SwitchboardSettings settings, ObjectMapper mapper,
      Gateway gateway, Supplier<CompletionStage<Integer>> upstreamStatus) {
    Config config = node.settings().config();
    WarmUpSettings warmUp = settings.warmUp();
    long started = System.nanoTime();
    log.info("Warm-up: sending {} requests, {} at a time, through a throwaway gateway before /ready answers 200"
        + " (at most {} s)", warmUp.requests(), warmUp.concurrency(), warmUp.maxDuration().toSeconds());
    Progress progress = new Progress();
    String name = "switchboard-warm-up-" + RUNS.incrementAndGet();
    CompletionStage<Outcome> outcome;
    try {
      // Creating an actor system blocks for a moment: not on a thread of the node's own dispatcher.
      Executor blocking = node.dispatchers().lookup(DispatcherSelector.blocking());
      outcome = CompletableFuture.supplyAsync(
              () -> ActorSystem.create(SpawnProtocol.create(), name, systemConfig(config, settings, name)), blocking)
          .<CompletionStage<Outcome>>handle((system, error) -> error != null
              ? CompletableFuture.completedFuture(ended(progress, started, null, "could not start: " + problem(error, warmUp)))
              : drive(node, system, settings, mapper, gateway, upstreamStatus, progress, started))
          .thenCompose(stage -> stage);
    } catch (RuntimeException e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    // Whatever went wrong, the node turns ready.
    return outcome.exceptionally(error -> ended(progress, started, null, problem(error, warmUp)));
  }

  /** Drives the throwaway gateway in {@code system}, then terminates it. */
  private static CompletionStage<Outcome> drive(ActorSystem<?> node, ActorSystem<SpawnProtocol.Command> system,
      SwitchboardSettings settings, ObjectMapper mapper, Gateway gateway,
      Supplier<CompletionStage<Integer>> upstreamStatus, Progress progress, long started) {
    Config config = node.settings().config();
    WarmUpSettings warmUp = settings.warmUp();
    String adminKey = secret();
    AtomicReference<LoopbackUpstream.Bound> upstream = new AtomicReference<>();
    node.getWhenTerminated().thenRun(system::terminate);
    CompletableFuture<Void> run = LoopbackUpstream.bind(system, upstreamStatus)
        .thenCompose(bound -> {
          upstream.set(bound);
          SwitchboardSettings throwaway = gatewaySettings(config, settings, bound, adminKey, system.name());
          CompletableFuture<InetSocketAddress> listening = new CompletableFuture<>();
          return AskPattern.<SpawnProtocol.Command, ActorRef<Void>>ask(system,
                  replyTo -> new SpawnProtocol.Spawn<>(gateway.create(throwaway, listening), "gateway", Props.empty(),
                      replyTo),
                  Duration.ofSeconds(10), system.scheduler())
              .thenCompose(spawned -> listening);
        })
        .thenCompose(address -> new WarmUpLoad(system, address, warmUp.concurrency(), mapper, progress)
            .run(adminKey, warmUp.requests(), warmUp.concurrency()))
        .toCompletableFuture()
        // max-duration counts from the start, the throwaway system's own start included.
        .orTimeout(Math.max(0, warmUp.maxDuration().toNanos() - (System.nanoTime() - started)), TimeUnit.NANOSECONDS);
    return run.handle((done, error) -> {
          LoopbackUpstream.Bound bound = upstream.get();
          return ended(progress, started, bound, error == null ? null : problem(error, warmUp));
        })
        .thenCompose(outcome -> {
          system.terminate();
          return system.getWhenTerminated().toCompletableFuture()
              .orTimeout(TERMINATION_WAIT.toMillis(), TimeUnit.MILLISECONDS)
              .handle((terminated, error) -> outcome);
        });
  }

  /** Every loopback answer is a 200, at once. */
  public static Supplier<CompletionStage<Integer>> answerAtOnce() {
    CompletionStage<Integer> ok = CompletableFuture.completedFuture(200);
    return () -> ok;
  }

  private static Outcome ended(Progress progress, long started, LoopbackUpstream.Bound upstream, String problem) {
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    int failed = progress.failed.get();
    if (problem == null && failed > 0) {
      int last = progress.lastFailure.get();
      problem = failed + " requests failed (last: " + (last == 0 ? "no answer"
          : last == Progress.INCOMPLETE ? "an answer cut short" : "HTTP " + last) + ")";
    }
    Outcome outcome = new Outcome(progress.sent.get(), progress.answered.get(),
        upstream == null ? 0 : upstream.answered(), took, progress.lastRoundPerSecond(), problem);
    String summary = String.format(java.util.Locale.ROOT,
        "%d requests sent, %d answered, in %.1f s; last round %.0f req/s", outcome.sent(), outcome.answered(),
        took.toMillis() / 1000.0, outcome.lastRoundPerSecond());
    if (problem == null) {
      log.info("Warm-up done: {}. /ready answers 200 from now on", summary);
    } else {
      log.warn("Warm-up stopped: {}; {}. The node serves anyway: /ready answers 200 from now on", problem, summary);
    }
    return outcome;
  }

  private static String problem(Throwable error, WarmUpSettings warmUp) {
    Throwable cause = error;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof TimeoutException) {
      return "it reached switchboard.warm-up.max-duration (" + warmUp.maxDuration().toMillis() + " ms)";
    }
    return cause.toString();
  }

  /**
   * The throwaway gateway's settings: the node's, with an OpenAI and an Anthropic provider at the loopback
   * upstream and a model on each, on 127.0.0.1 at a free port, keys required (its own admin key, created afresh), no cluster, no
   * warm-up of its own, its database in memory.
   */
  static SwitchboardSettings gatewaySettings(Config config, SwitchboardSettings node, LoopbackUpstream.Bound upstream,
      String adminKey, String name) {
    Config own = ConfigFactory.parseMap(Map.ofEntries(
        Map.entry("switchboard.http.host", "127.0.0.1"),
        Map.entry("switchboard.http.port", 0),
        Map.entry("switchboard.http.shutdown-drain", "1s"),
        Map.entry("switchboard.http.shutdown-unready", "0s"),
        Map.entry("switchboard.auth.mode", "keys"),
        Map.entry("switchboard.auth.admin-key-env", ADMIN_KEY_ENV),
        Map.entry("switchboard.cluster.enabled", false),
        Map.entry("switchboard.persistence.store", "h2"),
        Map.entry("switchboard.warm-up.enabled", false),
        Map.entry("switchboard.providers." + MODEL + ".kind", "openai"),
        Map.entry("switchboard.providers." + MODEL + ".openai.base-url", upstream.openAiBaseUrl()),
        Map.entry("switchboard.providers." + MODEL + ".openai.api-key-env", UPSTREAM_KEY_ENV),
        Map.entry("switchboard.providers." + ANTHROPIC_MODEL + ".kind", "anthropic"),
        Map.entry("switchboard.providers." + ANTHROPIC_MODEL + ".anthropic.base-url", upstream.root()),
        Map.entry("switchboard.providers." + ANTHROPIC_MODEL + ".anthropic.api-key-env", UPSTREAM_KEY_ENV),
        Map.entry("switchboard.models." + MODEL + ".provider", MODEL),
        Map.entry("switchboard.models." + MODEL + ".upstream-model", "warm-up-1"),
        Map.entry("switchboard.models." + MODEL + ".capabilities", java.util.List.of("streaming")),
        Map.entry("switchboard.models." + ANTHROPIC_MODEL + ".provider", ANTHROPIC_MODEL),
        Map.entry("switchboard.models." + ANTHROPIC_MODEL + ".upstream-model", "warm-up-1"),
        Map.entry("switchboard.models." + ANTHROPIC_MODEL + ".capabilities", java.util.List.of("streaming"))),
        "switchboard.warm-up");
    Config merged = own.withFallback(config.withoutPath("switchboard.providers").withoutPath("switchboard.models")
        .withoutPath("switchboard.routes").withoutPath("switchboard.fan-outs"))
        .withFallback(ConfigFactory.parseMap(Map.of("switchboard.routes", Map.of(), "switchboard.fan-outs", Map.of())));
    Map<String, String> env = Map.of(ADMIN_KEY_ENV, adminKey, UPSTREAM_KEY_ENV, "warm-up-upstream-key");
    return SwitchboardSettings.from(merged, env::get)
        .withPersistence(node.persistence().inMemory(name))
        .withWarmUp(WarmUpSettings.OFF);
  }

  /** The throwaway actor system's configuration: the node's Pekko settings, local only, its tables in memory. */
  private static Config systemConfig(Config config, SwitchboardSettings node, String name) {
    // stdout-loglevel: a warm-up cut short by max-duration terminates with requests in flight, and Pekko's
    // pools report each dropped one on stdout once the system's logger has stopped; the WARN line says it.
    Config local = ConfigFactory.parseMap(Map.of(
        "pekko.actor.provider", "local",
        "pekko.stdout-loglevel", "OFF",
        "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "off",
        "pekko.coordinated-shutdown.exit-jvm", "off"), "switchboard.warm-up");
    return PersistenceConfig.layeredOver(local.withFallback(config), node.persistence().inMemory(name));
  }

  private static String secret() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
