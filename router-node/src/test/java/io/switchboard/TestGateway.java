package io.switchboard;

import io.switchboard.warmup.WarmUp;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.ProviderActor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A whole Switchboard node started inside a test's actor system on a random port, and a plain JDK
 * HTTP client to talk to it the way any OpenAI client would. Tests get one from a
 * {@link GatewayExtension}, which also closes it:
 *
 * <pre>{@code
 * @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();
 *
 * @Test
 * void models_listsTheSimulatedModel() {
 *   TestGateway gateway = gateways.start("switchboard.cache.enabled = false");
 *
 *   HttpResponse<String> response = gateway.get("/v1/models");
 *
 *   assertEquals(200, response.statusCode());
 *   assertTrue(response.body().contains("switchboard-sim"), response.body());
 * }
 * }</pre>
 *
 * <p>{@link #start(ActorTestKit, String, Map)} starts one in an actor system of the caller's, who then
 * closes it.
 */
public final class TestGateway implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  /**
   * The admin key every test gateway has, unless the test's env names its own under {@value #ADMIN_KEY_ENV};
   * {@link #get} and {@link #post} send it on {@code /admin} paths.
   */
  public static final String ADMIN_KEY = "test-admin-key-0123456789abcdef";
  public static final String ADMIN_KEY_ENV = "SWITCHBOARD_ADMIN_KEY";

  private final ActorTestKit testKit;
  private final ActorRef<Void> guardian;
  private final Guardian.Started started;
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  private final String adminKey;
  private final AtomicBoolean closed = new AtomicBoolean();

  private TestGateway(ActorTestKit testKit, ActorRef<Void> guardian, Guardian.Started started, String adminKey) {
    this.adminKey = adminKey;
    this.testKit = testKit;
    this.guardian = guardian;
    this.started = started;
  }

  public static TestGateway start(ActorTestKit testKit, String hocon) {
    return start(testKit, hocon, Map.of());
  }

  /**
   * @param testKit built on a persistence configuration ({@code TestStores.h2(dataDir)}): the node's
   *     settings are read over the test kit's, so both name the same database
   * @param env what the node sees as its environment (provider keys)
   */
  public static TestGateway start(ActorTestKit testKit, String hocon, Map<String, String> env) {
    return start(testKit, hocon, env, Clock.systemUTC());
  }

  /** As {@link #start(ActorTestKit, String, Map)}, the node reading the wall clock from {@code clock}. */
  public static TestGateway start(ActorTestKit testKit, String hocon, Map<String, String> env, Clock clock) {
    return start(testKit, hocon, env, clock, WarmUp.Hooks.none());
  }

  /**
   * As {@link #start(ActorTestKit, String, Map, Clock)}; a warm-up the node runs (with
   * {@code switchboard.warm-up.enabled = on} in {@code hocon}) answers and reports through {@code warmUp}.
   */
  public static TestGateway start(ActorTestKit testKit, String hocon, Map<String, String> env, Clock clock,
      WarmUp.Hooks warmUp) {
    Config system = testKit.system().settings().config();
    if (system.getString("pekko.persistence.state.plugin").isEmpty()) {
      throw new AssertionError("build the test kit on a store, e.g. new JUnit5TestKitBuilder()"
          + ".withCustomConfig(TestStores.h2(tempDir)): the node prepares its database at start-up");
    }
    Config config = ConfigFactory.parseString(hocon).withFallback(system).resolve();
    Map<String, String> withAdmin = new java.util.HashMap<>(env);
    withAdmin.putIfAbsent(ADMIN_KEY_ENV, ADMIN_KEY);
    SwitchboardSettings settings = SwitchboardSettings.from(config, withAdmin::get);
    settings = settings.withHttp(settings.http().withPort(0));
    CompletableFuture<Guardian.Started> started = new CompletableFuture<>();
    ActorRef<Void> guardian = testKit.spawn(Guardian.create(settings, OpenAiJson.newMapper(), clock, warmUp, started));
    try {
      return new TestGateway(testKit, guardian, started.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS),
          withAdmin.get(ADMIN_KEY_ENV));
    } catch (Exception e) {
      throw new AssertionError("gateway did not start", e);
    }
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + started.binding().localAddress().getPort() + path);
  }

  public HttpResponse<String> post(String path, String body) {
    return send(asAdminOn(path, HttpRequest.newBuilder(uri(path)))
        .timeout(TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path) {
    return send(asAdminOn(path, HttpRequest.newBuilder(uri(path))).timeout(TIMEOUT).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A request to {@code path}, with the admin key when it is an admin path. */
  public HttpRequest.Builder request(String path) {
    return asAdminOn(path, HttpRequest.newBuilder(uri(path)));
  }

  /** Requests to {@code /admin} carry the gateway's admin key, as an operator's would. */
  private HttpRequest.Builder asAdminOn(String path, HttpRequest.Builder request) {
    return path.startsWith("/admin") && adminKey != null ? request.header("Authorization", "Bearer " + adminKey) : request;
  }

  /** Returns once the response headers arrived; the body is read as it streams. */
  public HttpResponse<InputStream> postStreaming(String path, String body) {
    return send(HttpRequest.newBuilder(uri(path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return client.send(request, handler);
    } catch (IOException e) {
      throw new AssertionError("request to the gateway failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The admission state of one provider, straight from its actor. */
  public ProviderActor.Status status(String provider) {
    try {
      return started.providers().get(provider).orElseThrow().status().toCompletableFuture()
          .get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Unbinds and stops the node; closing it again does nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    try {
      started.binding().unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // best effort: the test kit's shutdown closes whatever is left
    }
    testKit.stop(guardian);
  }
}
