package io.switchboard.provider.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpProtocols;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One pooled connection, carrying one exchange at a time. The socket is read only when something
 * waits for bytes: the response headers, or the body's stage ({@link NettyBody}) with room for more
 * chunks. What one read brings beyond that (a few decoded chunks at most) waits here until it has.
 *
 * <p>A response whose whole body came in the same read as its headers (a JSON answer, an error) is
 * answered with a strict entity, as Pekko's client does: the caller has it at once, the connection is
 * back in the pool before the caller looks at it, and nothing has to run a stream to read it. A body
 * still arriving at the end of that read streams, with what came so far first.
 *
 * <p>The connection goes back to its pool only once a response was read to its end and the upstream
 * keeps the connection alive; a body cancelled or failed part-way, or never read within the pool's
 * subscription timeout, closes it. An idle connection keeps a read pending, so that an upstream closing
 * it is noticed at once rather than by the next request.
 */
final class NettyConnection extends ChannelInboundHandlerAdapter {
  /** Headers a Pekko response keeps in its entity, or that concern only the connection. */
  private static final Set<String> NOT_RAW = Set.of("content-type", "content-length", "transfer-encoding",
      "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade");

  private final NettyPool pool;
  private final Channel channel;
  private Exchange exchange;
  private Throwable broken;
  private long idleSince;
  private ScheduledFuture<?> idleCheck;

  NettyConnection(NettyPool pool, Channel channel) {
    this.pool = pool;
    this.channel = channel;
  }

  boolean isActive() {
    return channel.isActive();
  }

  /**
   * Closes the connection in the middle of an exchange, with a reset rather than a FIN: an upstream
   * that is still answering sees at once that nobody reads it (a FIN may look like a client that only
   * finished sending, and an upstream with nothing to write yet may not notice it).
   */
  void abort() {
    if (channel.isActive()) channel.config().setOption(ChannelOption.SO_LINGER, 0);
    channel.close();
  }

  /** Sends {@code pending}'s request and reads until its response headers came. */
  void send(NettyPool.Pending pending) {
    Exchange next = new Exchange(pending);
    exchange = next;
    pending.sentOn = this;
    channel.writeAndFlush(pending.request).addListener(written -> {
      if (!written.isSuccess()) {
        fail(next, written.cause());
        channel.close();
      }
    });
    channel.read();
  }

  /**
   * Back in the pool: notice the upstream closing, and close after the pool's idle timeout. One timer
   * per connection at most, moved on when it finds the connection used since, rather than one per
   * response.
   */
  void idle() {
    exchange = null;
    idleSince = System.nanoTime();
    channel.read();
    Duration timeout = pool.clients().idleTimeout;
    if (timeout != null && idleCheck == null) checkIdleIn(timeout.toNanos());
  }

  private void checkIdleIn(long nanos) {
    idleCheck = channel.eventLoop().schedule(() -> {
      idleCheck = null;
      if (exchange != null || !channel.isActive()) return; // in use: its next idle() sets a timer again
      long left = pool.clients().idleTimeout.toNanos() - (System.nanoTime() - idleSince);
      if (left <= 0) channel.close();
      else checkIdleIn(left);
    }, nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      Exchange x = exchange;
      if (x == null || x.closed) {
        channel.close(); // nobody asked for these bytes: the connection is out of step
        return;
      }
      if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
        fail(x, object.decoderResult().cause());
        channel.close();
        return;
      }
      if (msg instanceof io.netty.handler.codec.http.HttpResponse head) headers(x, head);
      if (msg instanceof HttpContent content && x.headersIn) content(x, content);
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange x = exchange;
    if (x != null && x.head != null) answerStreamed(x); // the body did not come whole in this read
    if (x != null && !x.closed && x.wantsBytes()) channel.read();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (broken == null) broken = cause;
    Exchange x = exchange;
    if (x != null) fail(x, cause);
    channel.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Exchange x = exchange;
    if (x != null) {
      fail(x, broken != null ? broken : new IOException(x.headersIn
          ? "the upstream closed the connection before the end of its response"
          : "the upstream closed the connection before sending response headers"));
    }
    ctx.fireChannelInactive();
  }

  private void headers(Exchange x, io.netty.handler.codec.http.HttpResponse head) {
    if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) return; // 100 Continue and the like
    x.headersIn = true;
    long length = HttpUtil.getContentLength(head, -1L);
    int code = head.status().code();
    boolean empty = length == 0 || code == 204 || code == 304 || x.pending.request.method() == HttpMethod.HEAD;
    // A body that ends only when the connection closes leaves nothing to reuse.
    boolean delimited = empty || length >= 0 || HttpUtil.isTransferEncodingChunked(head);
    x.keepAlive = HttpUtil.isKeepAlive(head) && delimited;
    x.contentType = contentType(head.headers().get(HttpHeaderNames.CONTENT_TYPE));
    x.length = length;
    List<HttpHeader> headers = new ArrayList<>(head.headers().size());
    for (Map.Entry<String, String> header : head.headers()) {
      if (!NOT_RAW.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        headers.add(RawHeader.create(header.getKey(), header.getValue()));
      }
    }
    HttpResponse response = HttpResponse.create()
        .withStatus(status(head.status()))
        .withProtocol(head.protocolVersion().equals(HttpVersion.HTTP_1_0) ? HttpProtocols.HTTP_1_0 : HttpProtocols.HTTP_1_1)
        .addHeaders(headers);
    if (empty) {
      x.drain = true;
      x.pending.answer(response.withEntity(HttpEntities.create(x.contentType, ByteString.emptyByteString())));
    } else {
      x.head = response; // answered when the body ends in this read (strict), or at the read's end (streamed)
    }
  }

  /** The whole body came with the headers: a strict answer, and the connection is done with. */
  private void answerStrict(Exchange x) {
    HttpResponse response = x.head;
    x.head = null;
    ByteString body = ByteString.emptyByteString();
    for (ByteString chunk : x.chunks) body = body.concat(chunk);
    x.chunks.clear();
    x.pending.answer(response.withEntity(HttpEntities.create(x.contentType, body)));
    finish(x);
  }

  /** The body is still arriving: a streamed answer, read as its reader asks, with what came so far first. */
  private void answerStreamed(Exchange x) {
    HttpResponse response = x.head;
    x.head = null;
    Source<ByteString, ?> body = Source.fromGraph(new NettyBody(new Feed(x)));
    x.pending.answer(response.withEntity(x.length > 0
        ? HttpEntities.create(x.contentType, x.length, body)
        : HttpEntities.createChunked(x.contentType, body)));
    Duration unread = pool.clients().subscriptionTimeout;
    if (unread != null) {
      x.unread = channel.eventLoop().schedule(() -> {
        if (!x.subscribed && !x.closed) {
          x.closed = true;
          abort();
        }
      }, unread.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void content(Exchange x, HttpContent content) {
    ByteBuf bytes = content.content();
    if (!x.drain && bytes.isReadable()) {
      byte[] copy = new byte[bytes.readableBytes()];
      bytes.readBytes(copy);
      x.chunks.addLast(ByteString.fromArrayUnsafe(copy));
    }
    if (content instanceof LastHttpContent) {
      x.ended = true;
      if (x.drain) {
        finish(x);
      } else if (x.head != null) {
        answerStrict(x);
      }
    }
    deliver(x);
  }

  private void fail(Exchange x, Throwable error) {
    if (!x.headersIn || x.head != null) { // nothing answered yet
      x.head = null;
      x.pending.fail(error);
    } else if (!x.ended && x.failure == null) {
      x.failure = error;
      deliver(x);
    }
  }

  // ---- the body's stage: chunks go to it as read, within the credit it gave ------------------------

  /** Hands {@code x}'s buffered chunks to its reader while it has credit, then its end or failure. */
  private void deliver(Exchange x) {
    NettyBody.Reader reader = x.reader;
    if (reader == null) return;
    while (x.credit > 0 && !x.chunks.isEmpty()) {
      x.credit--;
      reader.chunk(x.chunks.pollFirst());
    }
    if (!x.chunks.isEmpty()) return;
    if (x.failure != null) {
      x.reader = null;
      reader.fail(x.failure);
    } else if (x.ended) {
      x.reader = null;
      reader.end();
    }
  }

  /** {@code x}'s body as {@link NettyBody} sees it; each call moves to the event loop. */
  private final class Feed implements NettyBody.Feed {
    private final Exchange x;

    Feed(Exchange x) {
      this.x = x;
    }

    @Override
    public void open(NettyBody.Reader reader, int credit) {
      onLoop(() -> {
        if (x.subscribed) {
          reader.fail(new IllegalStateException("a response body from the upstream can be read once"));
        } else if (x.closed) {
          reader.fail(new IOException(
              "the response body was not read in time (response-entity-subscription-timeout) and was dropped"));
        } else {
          x.subscribed = true;
          if (x.unread != null) x.unread.cancel(false);
          x.reader = reader;
          grant(credit);
        }
      });
    }

    @Override
    public void more(int credit) {
      onLoop(() -> grant(credit));
    }

    private void grant(int credit) {
      if (x.reader == null) return;
      x.credit += credit;
      deliver(x);
      if (x.closed && x.reader != null) {
        NettyBody.Reader reader = x.reader;
        x.reader = null;
        reader.fail(new IOException("the connection was closed"));
      } else if (x.reader != null && x.credit > 0) {
        channel.read();
      }
    }

    @Override
    public void close() {
      onLoop(() -> {
        x.reader = null;
        finish(x);
      });
    }
  }

  private void finish(Exchange x) {
    if (x.closed) return;
    x.closed = true;
    if (x.ended && x.chunks.isEmpty() && x.failure == null && x.keepAlive && channel.isActive() && exchange == x) {
      pool.ready(this);
    } else {
      abort();
    }
  }

  private void onLoop(Runnable task) {
    if (channel.eventLoop().inEventLoop()) task.run();
    else channel.eventLoop().execute(task);
  }

  private static ContentType contentType(String value) {
    if (value == null) return ContentTypes.APPLICATION_OCTET_STREAM;
    try {
      return ContentTypes.parse(value);
    } catch (RuntimeException unparsable) {
      return ContentTypes.APPLICATION_OCTET_STREAM;
    }
  }

  private static StatusCode status(HttpResponseStatus status) {
    int code = status.code();
    return StatusCodes.lookup(code).orElseGet(() -> StatusCodes.custom(code, status.reasonPhrase(),
        status.reasonPhrase(), code < 400, true));
  }

  /** One request and its response on this connection; its fields change on the event loop only. */
  private static final class Exchange {
    final NettyPool.Pending pending;
    final ArrayDeque<ByteString> chunks = new ArrayDeque<>(4);
    boolean headersIn;
    /**
     * The response's status and headers while its body is read within the read that brought them
     * (see the class comment); null once answered.
     */
    HttpResponse head;
    ContentType contentType;
    /** The body's declared length; -1 when it is chunked or runs to the connection's close. */
    long length;
    boolean keepAlive;
    /** A response without a body: its end is read and the connection handed back, with nobody reading. */
    boolean drain;
    boolean subscribed;
    boolean ended;
    /** Finished with: handed back to the pool or its connection closed. */
    boolean closed;
    Throwable failure;
    /** The body's stage, once it started reading; null again once told the body's end or failure. */
    NettyBody.Reader reader;
    /** Chunks the reader can take now. */
    int credit;
    /** Drops the response if nobody starts reading its body in time. */
    ScheduledFuture<?> unread;

    Exchange(NettyPool.Pending pending) {
      this.pending = pending;
    }

    boolean wantsBytes() {
      return !headersIn || head != null || (drain && !ended) || (reader != null && credit > 0 && !ended);
    }
  }
}
