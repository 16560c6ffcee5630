package io.switchboard.provider.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.switchboard.config.ProviderSettings;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.util.ByteString;

/**
 * One provider's requests over Netty: HTTP/1.1 keep-alive connections to its host, at most
 * {@code connection-pool.max-connections}, requests beyond them waiting in order (as many as
 * {@link UpstreamTransport#maxOpenRequests} allows). A response body streams as its reader asks for
 * it: the socket is read only on demand, so a slow client makes the upstream wait rather than the node
 * buffer the answer. A request whose caller gives up before its response headers came has its
 * connection closed at once, which the upstream sees as a disconnect.
 *
 * <p>Request bodies must be strict (every adapter builds them so); a streamed one is refused.
 */
final class NettyTransport implements UpstreamTransport {
  private final NettyClients clients;
  private final String provider;
  private final int maxConnections;
  private final int maxOpenRequests;
  private final Duration connect;
  /** The pool the last request went to (see {@link #poolFor}). */
  private volatile NettyPool last;

  NettyTransport(ActorSystem<?> system, ProviderSettings settings) {
    this.clients = NettyClients.get(system);
    this.provider = settings.id();
    this.maxConnections = settings.maxConnections();
    this.maxOpenRequests = UpstreamTransport.maxOpenRequests(settings);
    this.connect = settings.timeouts().connect();
  }

  @Override
  public CompletionStage<HttpResponse> send(HttpRequest request, CompletionStage<Void> abandoned) {
    Uri uri = request.getUri();
    String scheme = uri.scheme();
    boolean https = scheme.equals("https");
    if (!https && !scheme.equals("http")) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("cannot send to " + scheme + ": URLs"));
    }
    String host = uri.host().address();
    int port = uri.port() > 0 ? uri.port() : https ? 443 : 80;
    RequestEntity entity = request.entity();
    if (!entity.isStrict()) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(
          "the netty client (connection-pool.client) sends strict request bodies only, and this one streams"));
    }
    NettyPool pool = poolFor(https, host, port);
    FullHttpRequest out = toNetty(request, ((HttpEntity.Strict) entity).getData(), hostHeader(host, port, https));
    if (clients.userAgent != null && !out.headers().contains(HttpHeaderNames.USER_AGENT)) {
      out.headers().set(HttpHeaderNames.USER_AGENT, clients.userAgent);
    }
    return pool.send(out, abandoned);
  }

  /**
   * The pool for this host: a provider sends every request to its base URL's host, so the last pool
   * found is kept and the shared map (a key built and hashed) is consulted only when the host differs.
   */
  private NettyPool poolFor(boolean https, String host, int port) {
    NettyPool last = this.last;
    NettyPool.Target t = last == null ? null : last.target();
    if (t != null && t.https() == https && t.port() == port && t.host().equals(host)) return last;
    NettyPool found = clients.pool(
        new NettyPool.Target(provider, https, host, port, maxConnections, maxOpenRequests, connect));
    this.last = found;
    return found;
  }

  private static FullHttpRequest toNetty(HttpRequest request, ByteString data, String host) {
    String target = request.getUri().toRelative().toString();
    ByteBuf content = data.isEmpty() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(data.asByteBuffer());
    HttpMethod method = HttpMethod.valueOf(request.method().value());
    FullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target.isEmpty() ? "/" : target, content);
    for (HttpHeader header : request.getHeaders()) out.headers().add(header.name(), header.value());
    if (!out.headers().contains(HttpHeaderNames.HOST)) out.headers().set(HttpHeaderNames.HOST, host);
    ContentType type = request.entity().getContentType();
    if (!type.equals(ContentTypes.NO_CONTENT_TYPE)) out.headers().set(HttpHeaderNames.CONTENT_TYPE, type.toString());
    if (!data.isEmpty() || method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
      out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, data.size());
    }
    return out;
  }

  private static String hostHeader(String host, int port, boolean https) {
    String name = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    return port == (https ? 443 : 80) ? name : name + ":" + port;
  }
}
