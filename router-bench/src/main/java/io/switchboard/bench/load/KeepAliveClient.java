package io.switchboard.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's HTTP/1.1 client: keep-alive connections on one Netty event loop thread, one
 * request at a time per connection (no pipelining, like wrk and nginx's upstream side), each request
 * written from bytes encoded once. It exists because {@code java.net.http} spends a few hundred
 * microseconds of CPU per request and topped out near 3,000 req/s on two cores, even against the fake
 * upstream directly, so the 5,000 req/s open-loop figure measured the generator instead of the proxies.
 *
 * <p>A request that finds no idle connection to its target opens a new one; connections are kept
 * until {@link #close()}. Every outcome is reported once, on the event loop thread, with the time its
 * body's first bytes arrived and the time it ended (both {@link System#nanoTime()}), or the reason it
 * failed: {@code HTTP <status>}, {@code stream without [DONE]} (an event stream cut short),
 * {@code empty body}, {@code connection closed}, or the exception's simple name.
 */
final class KeepAliveClient implements AutoCloseable {

  /** What became of one request. {@code error} is null for a complete 200 answer. */
  interface Outcome {
    void completed(long firstByteNanos, long endNanos, String error);
  }

  private final EventLoop loop;
  private final List<Target> targets = new ArrayList<>();
  private final ChannelGroup channels;

  /** The event loop thread, for {@link #KeepAliveClient}; shut it down after closing its clients. */
  static EventLoopGroup newEventLoop() {
    return new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  /** Each URI (its path included) receives a {@code POST} of {@code body} as JSON, over {@code loop}. */
  KeepAliveClient(EventLoop loop, List<URI> uris, String body) {
    this.loop = loop;
    this.channels = new DefaultChannelGroup(loop);
    for (URI uri : uris) targets.add(new Target(uri, encode(uri, body)));
  }

  /** Sends a request to target {@code index} (its position in the constructor's list). Any thread. */
  void send(int index, Outcome outcome) {
    if (loop.inEventLoop()) {
      dispatch(targets.get(index), outcome);
    } else {
      loop.execute(() -> dispatch(targets.get(index), outcome));
    }
  }

  private void dispatch(Target target, Outcome outcome) {
    Channel idle;
    while ((idle = target.idle.poll()) != null) {
      if (idle.isActive()) {
        write(idle, target, outcome);
        return;
      }
    }
    ChannelFuture connecting = target.bootstrap.connect(target.uri.getHost(), target.uri.getPort());
    connecting.addListener(done -> {
      if (done.isSuccess()) {
        channels.add(connecting.channel());
        write(connecting.channel(), target, outcome);
      } else {
        outcome.completed(0, System.nanoTime(), kind(done.cause()));
      }
    });
  }

  private static void write(Channel channel, Target target, Outcome outcome) {
    channel.pipeline().get(Exchange.class).begin(target, outcome);
    channel.writeAndFlush(target.request.duplicate());
  }

  /**
   * A failure's kind as the JDK names it ({@code ConnectException}, {@code IOException}), so reports read
   * the same as they did with {@code java.net.http}; Netty's own subclasses only annotate those.
   */
  static String kind(Throwable failure) {
    Class<?> type = failure.getClass();
    while (!type.getName().startsWith("java.") && type.getSuperclass() != null) type = type.getSuperclass();
    return type.getSimpleName();
  }

  private static ByteBuf encode(URI uri, String body) {
    byte[] json = body.getBytes(StandardCharsets.UTF_8);
    String head = "POST " + uri.getRawPath() + " HTTP/1.1\r\n"
        + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: " + json.length + "\r\n\r\n";
    ByteBuf bytes = Unpooled.directBuffer(head.length() + json.length);
    bytes.writeBytes(head.getBytes(StandardCharsets.US_ASCII)).writeBytes(json);
    // Written as a duplicate for every request; the encoder's release must not free the original.
    return Unpooled.unreleasableBuffer(bytes);
  }

  /** Closes every connection this client opened; requests still unanswered end as {@code connection closed}. */
  @Override
  public void close() {
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private final class Target {
    final URI uri;
    final ByteBuf request;
    final ArrayDeque<Channel> idle = new ArrayDeque<>();
    final Bootstrap bootstrap;

    Target(URI uri, ByteBuf request) {
      this.uri = uri;
      this.request = request;
      this.bootstrap = new Bootstrap()
          .group(loop)
          .channel(NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
              channel.pipeline().addLast(new HttpResponseDecoder(), new Exchange());
            }
          });
    }
  }

  /** The request a connection is carrying, read as its answer arrives; back to the idle list at its end. */
  private static final class Exchange extends ChannelInboundHandlerAdapter {
    private Target target;
    private Outcome outcome;
    private int status;
    private boolean eventStream;
    private boolean keepAlive;
    private long firstByteNanos;
    private StreamTail tail;

    void begin(Target target, Outcome outcome) {
      this.target = target;
      this.outcome = outcome;
      status = 0;
      eventStream = false;
      keepAlive = true;
      firstByteNanos = 0;
      tail = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (outcome == null) return; // nothing asked: a stray answer is dropped
        if (msg instanceof HttpResponse response) {
          status = response.status().code();
          keepAlive = HttpUtil.isKeepAlive(response);
          String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
          eventStream = type.startsWith("text/event-stream");
          if (eventStream) tail = new StreamTail();
        }
        if (msg instanceof HttpContent content) {
          ByteBuf bytes = content.content();
          if (bytes.isReadable()) {
            if (firstByteNanos == 0) firstByteNanos = System.nanoTime();
            if (tail != null) {
              int n = Math.min(32, bytes.readableBytes());
              byte[] last = new byte[n];
              bytes.getBytes(bytes.writerIndex() - n, last);
              tail.append(last);
            }
          }
          if (content instanceof LastHttpContent) finish(ctx.channel());
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void finish(Channel channel) {
      long end = System.nanoTime();
      String error = status != 200 ? "HTTP " + status
          : eventStream && !tail.endedWithDone() ? "stream without [DONE]"
          : firstByteNanos == 0 ? "empty body"
          : null;
      Outcome done = outcome;
      outcome = null;
      if (keepAlive) {
        target.idle.push(channel);
      } else {
        channel.close();
      }
      done.completed(firstByteNanos, end, error);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      fail("connection closed");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(kind(cause));
      ctx.close();
    }

    private void fail(String error) {
      Outcome done = outcome;
      outcome = null;
      if (done != null) done.completed(firstByteNanos, System.nanoTime(), error);
    }
  }
}
