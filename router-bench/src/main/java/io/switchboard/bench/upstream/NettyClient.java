package io.switchboard.bench.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.SimpleChannelPool;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;

/**
 * A Netty 4 HTTP/1.1 client under Pekko HTTP's server: keep-alive channels in Netty's {@link
 * SimpleChannelPool} (the one freed last is reused first; a new one is opened when none is idle), one
 * request at a time per channel, on its own event loop threads.
 *
 * <p>The answer is aggregated whole ({@link HttpObjectAggregator}) and handed to the Pekko server as
 * a strict entity: a server-sent event stream arrives in one piece at its end. This client does not
 * stream; it measures what the Pekko client costs for whole answers, not a replacement for streams.
 */
final class NettyClient implements UpstreamClient {
  /** A whole answer larger than this fails (the fake upstream's are a few kilobytes). */
  private static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;
  private static final long REQUEST_BODY_TIMEOUT_MILLIS = 10_000;

  private final EventLoopGroup loops;
  private final SimpleChannelPool pool;
  private final Materializer materializer;
  private final String hostHeader;

  /** {@code threads} event loop threads (0: Netty's default, twice the cores). */
  NettyClient(ActorSystem<?> system, String host, int port, int threads) {
    this.materializer = Materializer.matFromSystem(system);
    this.hostHeader = host + ":" + port;
    this.loops = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    Bootstrap bootstrap = new Bootstrap().group(loops).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .remoteAddress(host, port);
    this.pool = new SimpleChannelPool(bootstrap, new AbstractChannelPoolHandler() {
      @Override
      public void channelCreated(Channel channel) {
        channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_ANSWER_BYTES), new Exchange());
      }
    });
  }

  @Override
  public CompletionStage<HttpResponse> send(HttpMethod method, String path, RequestEntity entity) {
    if (entity.isStrict()) return send(method, path, (HttpEntity.Strict) entity);
    return entity.toStrict(REQUEST_BODY_TIMEOUT_MILLIS, materializer).thenCompose(strict -> send(method, path, strict));
  }

  private CompletionStage<HttpResponse> send(HttpMethod method, String path, HttpEntity.Strict entity) {
    ByteString body = entity.getData();
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1,
        io.netty.handler.codec.http.HttpMethod.valueOf(method.value()), path,
        Unpooled.wrappedBuffer(body.asByteBuffer()));
    request.headers()
        .set(HttpHeaderNames.HOST, hostHeader)
        .set(HttpHeaderNames.CONTENT_LENGTH, body.size());
    if (!entity.getContentType().equals(ContentTypes.NO_CONTENT_TYPE)) {
      request.headers().set(HttpHeaderNames.CONTENT_TYPE, entity.getContentType().toString());
    }
    CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
    pool.acquire().addListener((io.netty.util.concurrent.Future<Channel> acquired) -> {
      if (!acquired.isSuccess()) {
        request.release();
        answer.completeExceptionally(acquired.cause());
        return;
      }
      Channel channel = acquired.getNow();
      channel.pipeline().get(Exchange.class).begin(answer);
      channel.writeAndFlush(request).addListener(written -> {
        if (!written.isSuccess()) {
          answer.completeExceptionally(written.cause());
          channel.close();
        }
      });
    });
    return answer;
  }

  @Override
  public void close() {
    pool.close();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** The answer of the request in flight on one channel; the channel goes back to the pool with it. */
  private final class Exchange extends SimpleChannelInboundHandler<FullHttpResponse> {
    private volatile CompletableFuture<HttpResponse> answer;

    void begin(CompletableFuture<HttpResponse> answer) {
      this.answer = answer;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      CompletableFuture<HttpResponse> done = answer;
      answer = null;
      HttpResponse passed = HttpResponse.create()
          .withStatus(response.status().code())
          .withEntity(HttpEntities.create(contentType(response), bytes(response.content())));
      if (HttpUtil.isKeepAlive(response)) {
        pool.release(ctx.channel());
      } else {
        ctx.close();
      }
      if (done != null) done.complete(passed);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      fail(new IOException("the upstream closed the connection"));
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(cause);
      ctx.close();
    }

    private void fail(Throwable cause) {
      CompletableFuture<HttpResponse> done = answer;
      answer = null;
      if (done != null) done.completeExceptionally(cause);
    }
  }

  private static ContentType contentType(FullHttpResponse response) {
    String header = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
    return header == null ? ContentTypes.APPLICATION_OCTET_STREAM : ContentTypes.parse(header);
  }

  private static ByteString bytes(ByteBuf content) {
    byte[] copy = new byte[content.readableBytes()];
    content.getBytes(content.readerIndex(), copy);
    return ByteString.fromArrayUnsafe(copy);
  }
}
