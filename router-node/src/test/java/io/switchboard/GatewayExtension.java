package io.switchboard;

import io.switchboard.warmup.WarmUp;
import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.switchboard.persistence.TestStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Whole Switchboard nodes ({@link TestGateway}s) for a test class, each started with the test's HOCON
 * and closed without the test's help: a gateway started in a test is closed after that test, one
 * started in {@code @BeforeAll} after the class. They run in one actor system per class, on one
 * database (by default an H2 file in a temporary directory of the extension's own), created when first
 * needed and shut down after the class; its test kit is {@link #testKit()}.
 *
 * <pre>{@code
 * @Tag("integration")
 * class HelloTest {
 *   @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
 *   @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();
 *
 *   @Test
 *   void hello_isAnsweredByTheUpstream() {
 *     TestGateway gateway = gateways.start("""
 *         switchboard.providers.p { kind = openai, openai { base-url = "%s", api-key-env = "KEY" } }
 *         switchboard.models.m { provider = p, upstream-model = gpt-4o-mini }
 *         """.formatted(upstream.baseUrl()), Map.of("KEY", "sk-test"));
 *
 *     HttpResponse<String> response = gateway.post("/v1/chat/completions",
 *         "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
 *
 *     assertEquals(200, response.statusCode(), response.body());
 *     assertEquals("Bearer sk-test", upstream.received().get(0).authorization());
 *   }
 * }
 * }</pre>
 *
 * <p>Register it on a static field, after the fakes whose URLs its configurations name (extensions
 * stop in reverse order, so the gateways close before their upstreams go away). A test that restarts
 * a node calls {@link #shutdown()} between two starts: the second node reads what the first one left
 * in the database.
 */
public final class GatewayExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
    AfterAllCallback {
  private final Supplier<Config> store;
  private final Supplier<Map<String, String>> env;
  private String name;
  private Path dataDir;
  private ActorTestKit testKit;
  private int systemsStarted;
  private boolean inTest;
  private final List<TestGateway> startedForClass = new ArrayList<>();
  private final List<TestGateway> startedForTest = new ArrayList<>();

  /** Nodes on an H2 database file in a temporary directory, removed after the class. */
  public GatewayExtension() {
    this.store = null;
    this.env = Map::of;
  }

  private GatewayExtension(Supplier<Config> store, Supplier<Map<String, String>> env) {
    this.store = requireNonNull(store, "store");
    this.env = requireNonNull(env, "env");
  }

  /**
   * Nodes on another store, read when the first node starts, so it may come from an extension
   * registered before this one.
   *
   * <pre>{@code
   * @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();
   * @RegisterExtension static final GatewayExtension gateways = GatewayExtension.on(postgres::config, postgres::env);
   * }</pre>
   *
   * @param store the actor system configuration, e.g. {@code PostgresExtension.config()}
   * @param env in every node's environment, under what the test gives {@link #start(String, Map)}
   */
  public static GatewayExtension on(Supplier<Config> store, Supplier<Map<String, String>> env) {
    return new GatewayExtension(store, env);
  }

  /** A node with {@code hocon} over the defaults; see {@link TestGateway#start(ActorTestKit, String)}. */
  public TestGateway start(String hocon) {
    return start(hocon, Map.of());
  }

  /**
   * A node with {@code hocon} over the defaults and {@code env} as its environment (provider keys).
   * It is closed after the test that started it, or after the class when started outside a test.
   */
  public synchronized TestGateway start(String hocon, Map<String, String> env) {
    return start(hocon, env, Clock.systemUTC());
  }

  /** As {@link #start(String, Map)}, the node reading the wall clock from {@code clock} (a {@code ManualClock}). */
  public synchronized TestGateway start(String hocon, Map<String, String> env, Clock clock) {
    Map<String, String> all = new HashMap<>(this.env.get());
    all.putAll(env);
    TestGateway gateway = TestGateway.start(testKit(), hocon, all, clock);
    (inTest ? startedForTest : startedForClass).add(gateway);
    return gateway;
  }

  /** As {@link #start(String)}, the node's warm-up (if {@code hocon} turns it on) answering and reporting through {@code warmUp}. */
  public synchronized TestGateway start(String hocon, WarmUp.Hooks warmUp) {
    TestGateway gateway = TestGateway.start(testKit(), hocon, env.get(), Clock.systemUTC(), warmUp);
    (inTest ? startedForTest : startedForClass).add(gateway);
    return gateway;
  }

  /** The test kit the nodes run in, for probes and {@code awaitAssert}; started when first needed. */
  public synchronized ActorTestKit testKit() {
    if (name == null) {
      throw new IllegalStateException("register the GatewayExtension on a static field: it starts before the class");
    }
    if (testKit == null) {
      systemsStarted++;
      testKit = ActorTestKit.create(systemsStarted == 1 ? name : name + "-" + systemsStarted, storeConfig());
    }
    return testKit;
  }

  /**
   * Stops the whole node, as a SIGTERM would: the actor system shuts down with every gateway in it, and
   * coordinated shutdown runs (bindings drain, the usage ledger flushes). The next {@link #start}
   * begins a new actor system on the same database.
   */
  public synchronized void shutdown() {
    startedForTest.clear();
    startedForClass.clear();
    if (testKit != null) {
      testKit.shutdownTestKit();
      testKit = null;
    }
  }

  /** The directory of the H2 database file the nodes share, for a test that reads the database itself. */
  public synchronized Path dataDir() {
    if (store != null) throw new IllegalStateException("the nodes run on another store than H2");
    if (dataDir == null) {
      try {
        dataDir = Files.createTempDirectory("switchboard-" + name + "-");
      } catch (IOException e) {
        throw new AssertionError("no temporary directory for the test database", e);
      }
    }
    return dataDir;
  }

  private Config storeConfig() {
    return store != null ? store.get() : TestStores.h2(dataDir());
  }

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    name = context.getRequiredTestClass().getSimpleName();
  }

  @Override
  public synchronized void beforeEach(ExtensionContext context) {
    inTest = true;
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) {
    inTest = false;
    closeAll(startedForTest);
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) throws IOException {
    closeAll(startedForClass);
    shutdown();
    if (dataDir != null) {
      try (Stream<Path> files = Files.walk(dataDir)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(file);
      }
      dataDir = null;
    }
  }

  private static void closeAll(List<TestGateway> gateways) {
    for (TestGateway gateway : gateways) gateway.close();
    gateways.clear();
  }
}
