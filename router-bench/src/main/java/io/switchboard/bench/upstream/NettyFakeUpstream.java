package io.switchboard.bench.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The fake upstream of the held-streams rows: {@code POST /v1/chat/completions} answered as {@link
 * FakeUpstream} answers it (the same {@link FakeReplies}, the same {@link ReplyShape} from the body, a
 * stream's chunks paced the interval apart after the first chunk's delay), on Netty's event loops.
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.upstream.NettyFakeUpstream --port 9101 [--chunks 16]
 *     [--interval-ms 0] [--first-ms 0] [--threads 2]
 * </pre>
 *
 * <p>Why a second one: held streams need one upstream connection each, opened at up to a thousand a
 * second while thousands of streams are already pacing chunks. {@link FakeUpstream}, a Pekko HTTP server
 * on the same two cores, then accepted about 115 connections a second; its accept queue filled and the
 * node's connects timed out, so the row measured the fake upstream. Here a connection costs a channel and
 * a codec, a chunk a scheduled task on the channel's event loop. It has none of {@link FakeUpstream}'s
 * requests-per-minute limit, think time or h2c: the rows that need those keep {@link FakeUpstream}.
 *
 * <p>A chunk is written whether or not the client reads: a stream's few hundred bytes a second are not
 * worth holding back for.
 */
public final class NettyFakeUpstream {
  private static final String PATH = "/v1/chat/completions";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** A request body larger than this is refused (a bench request is a few hundred bytes). */
  private static final int MAX_REQUEST_BYTES = 1 << 20;
  private static final byte[] DONE = FakeReplies.DONE_EVENT.getBytes(StandardCharsets.UTF_8);
  private static final byte[] INVALID_BODY = ("{\"error\":{\"message\":\"invalid request body\","
      + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}").getBytes(StandardCharsets.UTF_8);

  private final FakeReplies replies = new FakeReplies("bench-model", 1_700_000_000L);
  private final ReplyShape defaults;
  /** Calls answered, numbered from 0 in the order they came. */
  private final AtomicLong calls = new AtomicLong();
  /** Streams started and not yet ended or abandoned by their client. */
  private final AtomicLong streaming = new AtomicLong();

  private NettyFakeUpstream(ReplyShape defaults) {
    this.defaults = defaults;
  }

  /**
   * A running fake upstream; {@link #stop} it when done.
   *
   * @param calls calls answered so far
   * @param streaming streams still sending
   */
  public record Running(int port, LongSupplier calls, LongSupplier streaming, Channel server, EventLoopGroup loops) {
    public void stop() {
      server.close().syncUninterruptibly();
      loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Starts one on {@code host:port} (0: any free port) with {@code threads} event loops (0: twice the cores). */
  public static Running start(String host, int port, ReplyShape defaults, int threads) throws InterruptedException {
    NettyFakeUpstream upstream = new NettyFakeUpstream(defaults);
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    try {
      Channel server = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 4096)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
              channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                  upstream.new Exchange());
            }
          })
          .bind(host, port).sync().channel();
      return new Running(((InetSocketAddress) server.localAddress()).getPort(), upstream.calls::get,
          upstream.streaming::get, server, loops);
    } catch (InterruptedException | RuntimeException e) {
      loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  public static void main(String[] args) throws InterruptedException {
    String host = "127.0.0.1";
    int port = 9101;
    int chunks = 16;
    long intervalMs = 0;
    long firstMs = 0;
    int threads = 2;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--host" -> host = args[i + 1];
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--chunks" -> chunks = Integer.parseInt(args[i + 1]);
        case "--interval-ms" -> intervalMs = Long.parseLong(args[i + 1]);
        case "--first-ms" -> firstMs = Long.parseLong(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Running running = start(host, port,
        new ReplyShape(false, chunks, Duration.ofMillis(intervalMs), Duration.ofMillis(firstMs)), threads);
    System.out.println("fake upstream (Netty) listening on http://" + host + ":" + running.port() + PATH);
    running.server().closeFuture().sync();
  }

  /** One connection's requests, one at a time. */
  private final class Exchange extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      if (!request.method().equals(HttpMethod.POST) || !new QueryStringDecoder(request.uri()).path().equals(PATH)) {
        whole(ctx, HttpResponseStatus.NOT_FOUND, new byte[0], keepAlive);
        return;
      }
      ReplyShape shape;
      try {
        shape = ReplyShape.of(ByteBufUtil.getBytes(request.content()), MAPPER, defaults);
      } catch (IOException | IllegalArgumentException e) {
        whole(ctx, HttpResponseStatus.BAD_REQUEST, INVALID_BODY, keepAlive);
        return;
      }
      String id = "chatcmpl-bench" + (calls.getAndIncrement() + 1);
      if (!shape.stream()) {
        whole(ctx, HttpResponseStatus.OK, replies.completion(id, shape.chunks()), keepAlive);
        return;
      }
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
      HttpUtil.setTransferEncodingChunked(head, true);
      if (!keepAlive) head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(head);
      streaming.incrementAndGet();
      new Stream(ctx, id, shape, keepAlive).after(shape.firstChunkDelay());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** One stream's chunks, each written by a task scheduled on its channel's event loop. */
  private final class Stream implements Runnable {
    private final ChannelHandlerContext ctx;
    private final String id;
    private final ReplyShape shape;
    private final boolean keepAlive;
    private int next;

    Stream(ChannelHandlerContext ctx, String id, ReplyShape shape, boolean keepAlive) {
      this.ctx = ctx;
      this.id = id;
      this.shape = shape;
      this.keepAlive = keepAlive;
    }

    void after(Duration delay) {
      if (delay.isZero()) ctx.executor().execute(this);
      else ctx.executor().schedule(this, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
      if (!ctx.channel().isActive()) {
        streaming.decrementAndGet(); // the client went away: nothing more to send
        return;
      }
      // With no interval, every chunk goes out now, in one flush.
      do {
        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(replies.chunkEvent(id, next, shape.chunks()))));
        next++;
      } while (next < shape.chunks() && shape.interval().isZero());
      if (next < shape.chunks()) {
        ctx.flush();
        after(shape.interval());
        return;
      }
      streaming.decrementAndGet();
      var written = ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(DONE)));
      if (!keepAlive) written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static void whole(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body, boolean keepAlive) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    HttpUtil.setContentLength(response, body.length);
    if (!keepAlive) response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    var written = ctx.writeAndFlush(response);
    if (!keepAlive) written.addListener(ChannelFutureListener.CLOSE);
  }
}
