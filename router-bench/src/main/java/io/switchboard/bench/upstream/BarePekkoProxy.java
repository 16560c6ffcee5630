package io.switchboard.bench.upstream;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;

/**
 * The floor of Switchboard's own stack: a reverse proxy of nothing but Pekko HTTP's server and a
 * client, with the node's server settings. Every request is sent on to the upstream with its path and
 * body (the node, too, sends its own headers rather than the client's), and its answer's status and
 * entity are passed back. No routing, no JSON, no admission, no usage records.
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.upstream.BarePekkoProxy --port 9300 --upstream http://127.0.0.1:9100 \
 *     [--client pool|connection|netty|h2] [--dispatcher-threads N] [--internal-is-default true] [--netty-threads N] \
 *     [--h2-connections N]
 * </pre>
 *
 * <p>The client is the variable ({@link UpstreamClient.Kind}, issue 18): {@code pool} is Pekko HTTP's
 * host connection pool with the node's pool settings (the default, and what the node uses);
 * {@code connection} is Pekko's connection-level client pooled here ({@link ConnectionClient});
 * {@code netty} a Netty channel pool ({@link NettyClient}), which hands whole answers back and does
 * not stream; {@code h2} is Pekko's HTTP/2 client with prior knowledge over a few multiplexed
 * connections ({@link H2Client}), for an upstream that speaks h2c (the fake upstream with {@code --http2
 * on}). {@code pool}, {@code connection} and {@code h2} pass answers on as they arrive: streams stream.
 * The dispatcher flags change the actor system's thread layout: the default dispatcher's size, and the
 * internal dispatcher (TCP connection actors, the pool's master) aliased to the default one.
 *
 * <p>What Switchboard costs on top of this is its own work; what this costs against nginx is the
 * price of the JVM stack it is built on (the HTTP server's and the client's thread hand-offs).
 */
public final class BarePekkoProxy {
  /** As the benchmark node's provider: connection-pool.max-connections (and so its max-open-requests). */
  static final int POOL_CONNECTIONS = 4096;
  static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";
  private static final Set<String> OPTIONS = Set.of("--port", "--upstream", "--client", "--dispatcher-threads",
      "--internal-is-default", "--netty-threads", "--h2-connections");

  /**
   * How a proxy is built: its client, the default dispatcher's threads (0: Pekko's default), whether the
   * internal dispatcher is the default one, and the Netty client's event loop threads (0: Netty's default).
   */
  public record Layout(UpstreamClient.Kind client, int dispatcherThreads, boolean internalIsDefault, int nettyThreads,
      int h2Connections) {
    public static final Layout POOL = of("pool");
    /** The h2 client's connections unless told: one per core of this machine type (2). */
    static final int DEFAULT_H2_CONNECTIONS = 2;

    public Layout {
      if (client == null) throw new IllegalArgumentException("client is required");
      if (dispatcherThreads < 0 || nettyThreads < 0) throw new IllegalArgumentException("thread counts must be >= 0");
      if (h2Connections < 1) throw new IllegalArgumentException("h2 connections must be >= 1, was " + h2Connections);
    }

    /** Today's proxy with another client. */
    public static Layout of(String client) {
      return new Layout(UpstreamClient.Kind.named(client), 0, false, 0, DEFAULT_H2_CONNECTIONS);
    }

    /** The actor system's settings this layout adds over the node's server settings. */
    String config() {
      StringBuilder text = new StringBuilder();
      if (dispatcherThreads > 0) {
        text.append("pekko.actor.default-dispatcher.fork-join-executor.parallelism-min = ").append(dispatcherThreads)
            .append("\npekko.actor.default-dispatcher.fork-join-executor.parallelism-max = ").append(dispatcherThreads)
            .append('\n');
      }
      if (internalIsDefault) text.append("pekko.actor.internal-dispatcher = \"pekko.actor.default-dispatcher\"\n");
      return text.toString();
    }

    /** e.g. {@code connection, 4 dispatcher threads, internal = default}. */
    public String describe() {
      return client.label() + (dispatcherThreads > 0 ? ", " + dispatcherThreads + " dispatcher threads" : "")
          + (internalIsDefault ? ", internal = default" : "")
          + (nettyThreads > 0 ? ", " + nettyThreads + " Netty threads" : "")
          + (client == UpstreamClient.Kind.H2 ? ", " + h2Connections + " h2c connections" : "");
    }
  }

  private final UpstreamClient client;

  private BarePekkoProxy(UpstreamClient client) {
    this.client = client;
  }

  /** A proxy with Pekko's host pool started in this JVM on {@code host:port} (0: any free port). */
  public static CompletionStage<Running> start(String host, int port, String upstreamBase) {
    return start(host, port, upstreamBase, Layout.POOL);
  }

  /** A proxy with {@code layout}'s client and threads started in this JVM on {@code host:port} (0: any free port). */
  public static CompletionStage<Running> start(String host, int port, String upstreamBase, Layout layout) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bare-pekko-proxy", config(layout));
    Uri upstream = Uri.create(upstreamBase);
    UpstreamClient client = switch (layout.client()) {
      case POOL -> new PoolClient(system, upstream, POOL_CONNECTIONS);
      case CONNECTION -> new ConnectionClient(system, upstream.host().address(), upstream.port(), POOL_CONNECTIONS);
      case NETTY -> new NettyClient(system, upstream.host().address(), upstream.port(), layout.nettyThreads());
      case H2 -> new H2Client(system, upstream.host().address(), upstream.port(), layout.h2Connections());
    };
    BarePekkoProxy proxy = new BarePekkoProxy(client);
    system.getWhenTerminated().thenRun(client::close);
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
  private static Config config(Layout layout) {
    return ConfigFactory.parseString(layout.config() + """
        pekko.loglevel = WARNING
        pekko.http.server.max-connections = 30000
        pekko.http.server.backlog = 4096
        pekko.http.server.idle-timeout = 5 min
        pekko.http.server.request-timeout = 11 min
        pekko.http.server.server-header = bare-pekko-proxy
        """).withFallback(ConfigFactory.load());
  }

  CompletionStage<HttpResponse> forward(HttpRequest request) {
    return client.send(request.method(), request.getUri().path(), request.entity());
  }

  /** The layout that {@code --client}, {@code --dispatcher-threads}, {@code --internal-is-default}, {@code --netty-threads} and {@code --h2-connections} name. */
  static Layout layout(Map<String, String> options) {
    return new Layout(UpstreamClient.Kind.named(options.getOrDefault("client", "pool")),
        Integer.parseInt(options.getOrDefault("dispatcher-threads", "0")),
        Boolean.parseBoolean(options.getOrDefault("internal-is-default", "false")),
        Integer.parseInt(options.getOrDefault("netty-threads", "0")),
        Integer.parseInt(options.getOrDefault("h2-connections", Integer.toString(Layout.DEFAULT_H2_CONNECTIONS))));
  }

  public static void main(String[] args) throws Exception {
    // As the node does (Main.useAPooledCommonExecutor): with one core's worth of common pool the JDK
    // starts a thread per callback of a Pekko future.
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
    }
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      String name = args[i];
      if (!OPTIONS.contains(name) || i + 1 >= args.length) {
        throw new IllegalArgumentException("unknown option " + name + "; use --port N --upstream URL "
            + "[--client pool|connection|netty|h2] [--dispatcher-threads N] [--internal-is-default true] [--netty-threads N] "
            + "[--h2-connections N]");
      }
      options.put(name.substring(2), args[i + 1]);
    }
    int port = Integer.parseInt(options.getOrDefault("port", "9300"));
    String upstream = options.getOrDefault("upstream", "http://127.0.0.1:9100");
    Layout layout = layout(options);
    Running running = start("127.0.0.1", port, upstream, layout).toCompletableFuture().get();
    System.out.println("bare Pekko HTTP proxy (" + layout.describe() + ") listening on http://127.0.0.1:"
        + running.port() + " -> " + upstream);
  }
}
