package io.switchboard.provider.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;

/**
 * What the node's Netty pools share, once per actor system: one event loop group of at most
 * {@value #THREADS} threads (upstream I/O is little work per byte, and the node's cores belong to its
 * actors), the TLS context, and the pools themselves, one per provider and host, kept across restarts
 * of the provider's actor as Pekko keeps its host pools. The group shuts down with the actor system.
 *
 * <p>Idle connections and unread bodies follow the same Pekko settings as the host pools
 * ({@code pekko.http.host-connection-pool.idle-timeout} and
 * {@code response-entity-subscription-timeout}), so both clients behave alike there.
 */
final class NettyClients implements Extension {
  static final int THREADS = 2;

  static final ExtensionId<NettyClients> ID = new ExtensionId<>() {
    @Override
    public NettyClients createExtension(ActorSystem<?> system) {
      return new NettyClients(system);
    }
  };

  final EventLoopGroup group;
  /** Where response futures complete: never on an event loop, whose threads must not run callers' code. */
  final Executor callbacks;
  /** Where host names are looked up: Pekko's dispatcher for blocking work. */
  final Executor blocking;
  /** Null: idle connections stay open. */
  final Duration idleTimeout;
  /** Null: a body nobody reads holds its connection until it is read. */
  final Duration subscriptionTimeout;
  /** Sent with every request as Pekko's client sends it ({@code pekko.http.client.user-agent-header}); null: none. */
  final String userAgent;
  private final ConcurrentHashMap<NettyPool.Target, NettyPool> pools = new ConcurrentHashMap<>();
  private volatile SslContext ssl;

  private NettyClients(ActorSystem<?> system) {
    this.group = new MultiThreadIoEventLoopGroup(Math.min(THREADS, Runtime.getRuntime().availableProcessors()),
        new DefaultThreadFactory("switchboard-upstream", true), NioIoHandler.newFactory());
    this.callbacks = system.executionContext();
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    ConnectionPoolSettings pekko = ConnectionPoolSettings.create(system.classicSystem());
    this.idleTimeout = finite(pekko.getIdleTimeout());
    this.subscriptionTimeout = finite(pekko.getResponseEntitySubscriptionTimeout());
    String agent = system.settings().config().getString("pekko.http.client.user-agent-header");
    this.userAgent = agent.isBlank() ? null : agent;
    system.getWhenTerminated().whenComplete((done, error) -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
  }

  static NettyClients get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  NettyPool pool(NettyPool.Target target) {
    NettyPool pool = pools.get(target);
    return pool != null ? pool : pools.computeIfAbsent(target, t -> new NettyPool(t, this));
  }

  /** The JVM's default trust; hostname verification and SNI are set on each connection's engine. */
  SslContext ssl() throws SSLException {
    SslContext context = ssl;
    if (context == null) {
      synchronized (this) {
        if (ssl == null) ssl = SslContextBuilder.forClient().build();
        context = ssl;
      }
    }
    return context;
  }

  private static Duration finite(scala.concurrent.duration.Duration d) {
    return d.isFinite() && d.toMillis() > 0 ? Duration.ofMillis(d.toMillis()) : null;
  }
}
