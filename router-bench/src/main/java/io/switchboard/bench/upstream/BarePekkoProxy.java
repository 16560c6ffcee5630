package io.switchboard.bench.upstream;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;

/**
 * The floor of Switchboard's own stack: a reverse proxy of nothing but Pekko HTTP's server and its
 * pooled client, with the node's server and pool settings. Every request is sent on to the upstream
 * with its path and body (the node, too, sends its own headers rather than the client's), and its
 * answer's status and entity are passed back as they arrive (a stream streams). No routing, no JSON,
 * no admission, no usage records.
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.upstream.BarePekkoProxy --port 9300 --upstream http://127.0.0.1:9100
 * </pre>
 *
 * <p>What Switchboard costs on top of this is its own work; what this costs against nginx is the
 * price of the JVM stack it is built on (the HTTP server's and the pool's thread hand-offs).
 */
public final class BarePekkoProxy {
  /** As the benchmark node's provider: connection-pool.max-connections (and so its max-open-requests). */
  static final int POOL_CONNECTIONS = 4096;
  static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private final Http http;
  private final Uri upstream;
  private final ConnectionPoolSettings pool;
  private final LoggingAdapter log;

  private BarePekkoProxy(ActorSystem<?> system, Uri upstream) {
    this.http = Http.get(system);
    this.log = system.classicSystem().log();
    this.upstream = upstream;
    this.pool = ConnectionPoolSettings.create(system.classicSystem())
        .withMaxConnections(POOL_CONNECTIONS)
        .withMaxOpenRequests(POOL_CONNECTIONS)
        .withMaxRetries(0);
  }

  /** A proxy started in this JVM on {@code host:port} (0: any free port). */
  public static CompletionStage<Running> start(String host, int port, String upstreamBase) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bare-pekko-proxy", config());
    BarePekkoProxy proxy = new BarePekkoProxy(system, Uri.create(upstreamBase));
    return Http.get(system).newServerAt(host, port).bind(proxy::forward)
        .thenApply(binding -> new Running(system, binding.localAddress().getPort()))
        .whenComplete((running, error) -> {
          if (error != null) system.terminate();
        });
  }

  /** A running proxy; {@link #stop} it when done. */
  public record Running(ActorSystem<Void> system, int port) {
    public void stop() {
      system.terminate();
    }
  }

  /** The benchmark node's server settings (router-node's application.conf, as run.sh overrides it). */
  private static Config config() {
    return ConfigFactory.parseString("""
        pekko.loglevel = WARNING
        pekko.http.server.max-connections = 30000
        pekko.http.server.backlog = 4096
        pekko.http.server.idle-timeout = 5 min
        pekko.http.server.request-timeout = 11 min
        pekko.http.server.server-header = bare-pekko-proxy
        """).withFallback(ConfigFactory.load());
  }

  CompletionStage<HttpResponse> forward(HttpRequest request) {
    Uri target = upstream.path(request.getUri().path());
    HttpRequest outgoing = HttpRequest.create()
        .withMethod(request.method())
        .withUri(target)
        .withEntity(request.entity());
    return http.singleRequest(outgoing, http.defaultClientHttpsContext(), pool, log)
        .thenApply(response -> HttpResponse.create().withStatus(response.status()).withEntity(response.entity()));
  }

  public static void main(String[] args) throws Exception {
    // As the node does (Main.useAPooledCommonExecutor): with one core's worth of common pool the JDK
    // starts a thread per callback of a Pekko future.
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
    }
    int port = 9300;
    String upstream = "http://127.0.0.1:9100";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--upstream" -> upstream = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; use --port N --upstream URL");
      }
    }
    Running running = start("127.0.0.1", port, upstream).toCompletableFuture().get();
    System.out.println("bare Pekko HTTP proxy listening on http://127.0.0.1:" + running.port() + " -> " + upstream);
  }
}
