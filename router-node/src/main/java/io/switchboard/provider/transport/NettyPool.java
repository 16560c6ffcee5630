package io.switchboard.provider.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * One provider's connections to one host. All its state lives on one event loop, where every change
 * to it runs, so it needs no lock: idle connections (the most recently used first, so that the
 * others can time out), the count of open ones, and the requests waiting for one in order of arrival.
 */
final class NettyPool {
  /** What a pool is for: the provider, its host, and the settings its connections are made with. */
  record Target(String provider, boolean https, String host, int port, int maxConnections, int maxOpenRequests,
      Duration connect) {}

  /** Headers sent by the upstream are at most this long in all; Pekko's client allows as much per value. */
  private static final int MAX_HEADER_SIZE = 64 * 1024;
  private static final int MAX_INITIAL_LINE = 4096;
  private static final int MAX_CHUNK = 64 * 1024;

  private final Target target;
  private final NettyClients clients;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final ArrayDeque<NettyConnection> idle = new ArrayDeque<>();
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private int open;

  /** Where this pool connects, and how many connections and waiting requests it allows. */
  Target target() {
    return target;
  }

  NettyPool(Target target, NettyClients clients) {
    this.target = target;
    this.clients = clients;
    this.loop = clients.group.next();
    this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, target.connect().toMillis()))
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) throws Exception {
            if (target.https()) channel.pipeline().addLast(tls(channel));
            channel.pipeline().addLast(new HttpClientCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_CHUNK));
            channel.pipeline().addLast(new NettyConnection(NettyPool.this, channel));
          }
        });
  }

  private SslHandler tls(SocketChannel channel) throws Exception {
    SslHandler handler = clients.ssl().newHandler(channel.alloc(), target.host(), target.port());
    SSLEngine engine = handler.engine();
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    // Named explicitly: the JDK names only dotted hosts by itself (no SNI for "localhost" or an intranet name).
    if (!NetUtil.isValidIpV4Address(target.host()) && !NetUtil.isValidIpV6Address(target.host())) {
      parameters.setServerNames(List.of(new SNIHostName(target.host())));
    }
    engine.setSSLParameters(parameters);
    return handler;
  }

  NettyClients clients() {
    return clients;
  }

  /** Sends {@code request} on a free connection, a new one, or the first that frees up. */
  CompletionStage<HttpResponse> send(FullHttpRequest request, CompletionStage<Void> abandoned) {
    Pending pending = new Pending(request, clients);
    try {
      loop.execute(() -> dispatch(pending));
    } catch (RejectedExecutionException shutDown) {
      return CompletableFuture.failedFuture(new IllegalStateException("the node is shutting down", shutDown));
    }
    if (abandoned != null) abandoned.thenRun(() -> onLoop(() -> abandon(pending)));
    return pending.response;
  }

  private void dispatch(Pending pending) {
    if (pending.settled) return;
    NettyConnection connection;
    while ((connection = idle.pollFirst()) != null) {
      if (connection.isActive()) {
        connection.send(pending);
        return;
      }
    }
    if (open < target.maxConnections()) {
      connect(pending);
    } else if (open + waiting.size() >= target.maxOpenRequests()) {
      pending.fail(new PoolFullException(target.maxConnections(), target.maxOpenRequests()));
    } else {
      waiting.addLast(pending);
    }
  }

  /**
   * Opens a connection for {@code pending}. The host's name is looked up on Pekko's blocking dispatcher:
   * the JDK's lookup blocks, and a slow DNS server must not stall the event loop every provider shares.
   */
  private void connect(Pending pending) {
    open++;
    clients.blocking.execute(() -> {
      InetSocketAddress address;
      try {
        address = new InetSocketAddress(InetAddress.getByName(target.host()), target.port());
      } catch (UnknownHostException | RuntimeException unresolved) {
        onLoop(() -> connectFailed(pending, unresolved));
        return;
      }
      onLoop(() -> connect(pending, address));
    });
  }

  private void connectFailed(Pending pending, Throwable cause) {
    open--;
    pending.fail(cause);
    connectForNextWaiting();
  }

  private void onLoop(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException shutDown) {
      // the node is stopping: nothing waits for this pool any more
    }
  }

  private void connect(Pending pending, InetSocketAddress address) {
    bootstrap.connect(address).addListener((ChannelFuture connected) -> {
      if (!connected.isSuccess()) {
        connectFailed(pending, connected.cause());
        return;
      }
      NettyConnection connection = connected.channel().pipeline().get(NettyConnection.class);
      connected.channel().closeFuture().addListener(closed -> closed(connection));
      if (pending.settled) ready(connection);
      else connection.send(pending);
    });
  }

  /** The caller gave up: a request not yet answered is withdrawn, its connection closed if it was sent. */
  private void abandon(Pending pending) {
    if (pending.settled) return;
    NettyConnection sentOn = pending.sentOn;
    pending.fail(new CallAbandonedException());
    if (sentOn != null) sentOn.abort();
    else waiting.remove(pending); // one still connecting takes its connection to the next in line
  }

  /** {@code connection} finished its exchange and may carry another. */
  void ready(NettyConnection connection) {
    Pending next;
    while ((next = waiting.pollFirst()) != null) {
      if (!next.settled) {
        connection.send(next);
        return;
      }
    }
    idle.addFirst(connection);
    connection.idle();
  }

  private void closed(NettyConnection connection) {
    open--;
    idle.remove(connection);
    connectForNextWaiting();
  }

  private void connectForNextWaiting() {
    Pending next;
    while ((next = waiting.pollFirst()) != null) {
      if (!next.settled) {
        connect(next);
        return;
      }
    }
  }

  /**
   * A request in the pool until its response headers came or it failed. Its fields change on the
   * pool's event loop only; its response completes on {@link NettyClients#callbacks}.
   */
  static final class Pending {
    final FullHttpRequest request;
    final CompletableFuture<HttpResponse> response = new CompletableFuture<>();
    private final NettyClients clients;
    boolean settled;
    /** The connection it was sent on, until its headers came. */
    NettyConnection sentOn;

    Pending(FullHttpRequest request, NettyClients clients) {
      this.request = request;
      this.clients = clients;
    }

    void answer(HttpResponse answer) {
      if (settled) return;
      settled = true;
      sentOn = null;
      clients.callbacks.execute(() -> response.complete(answer));
    }

    void fail(Throwable error) {
      if (settled) return;
      settled = true;
      sentOn = null;
      clients.callbacks.execute(() -> response.completeExceptionally(error));
    }
  }
}
