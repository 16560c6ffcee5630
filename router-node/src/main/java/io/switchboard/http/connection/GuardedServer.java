package io.switchboard.http.connection;

import com.typesafe.config.Config;
import io.switchboard.config.HttpSettings;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.http.impl.engine.server.HttpAttributes;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the gateway's handler with every client connection under a {@link ConnectionGuard}: a
 * connection that holds its slot without completing a request's headers is closed after
 * {@code switchboard.http.header-timeout} (or {@code keep-alive-timeout} between requests), and one from
 * an address over {@code max-connections-per-address} is closed as soon as it is accepted.
 *
 * <pre>{@code
 * CompletionStage<ServerBinding> binding = GuardedServer.bind(system, settings.http(), route.handler(system));
 * }</pre>
 *
 * <p>Pekko HTTP has a timeout for an idle connection (no byte either way) but none for a request whose
 * headers never finish, so a client trickling a byte now and then holds its connection for good. Two
 * ways in, one per protocol setting, with the same guard behind both:
 * <ul>
 *   <li>HTTP/1.1 only: {@code bindFlow}, whose handler flow Pekko materializes once per connection as it
 *       accepts it, carrying the client's address as an attribute. The flow is the connection: completing
 *       it closes the connection. Pekko's graceful termination (the shutdown drain) is unchanged.
 *   <li>HTTP/2 on ({@code switchboard.http.http2}): only {@code bind} speaks h2c, and it shows no
 *       connection; {@link H2cAcceptHook} wraps each accepted TCP connection, and the handler finds a
 *       request's connection by the client address Pekko attaches to it.
 * </ul>
 */
public final class GuardedServer {
  private static final Logger log = LoggerFactory.getLogger(GuardedServer.class);
  static final String HOOK_KEY = "pekko.http.http2-telemetry-class";

  private GuardedServer() {}

  public static CompletionStage<ServerBinding> bind(ClassicActorSystemProvider system, HttpSettings http,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    org.apache.pekko.actor.ActorSystem classic = system.classicSystem();
    ConnectionGuard guard = new ConnectionGuard(http.connections(), classic.scheduler(), classic.dispatcher());
    ServerSettings defaults = ServerSettings.create(classic);
    // Our own key turns HTTP/2 on; one who set Pekko's enable-http2 directly keeps it.
    ServerSettings settings = defaults.withEnableHttp2(defaults.enableHttp2() || http.http2())
        .withRemoteAddressAttribute(true)
        // Pekko's parser limit (8m by default) follows switchboard.http.max-request-body: one limit, the
        // documented one, answered 413 in the caller's envelope rather than 400 by the parser.
        .withParserSettings(defaults.getParserSettings().withMaxContentLength(http.maxRequestBody()));
    ServerBuilder server = Http.get(classic).newServerAt(http.host(), http.port()).withSettings(settings);
    if (!settings.enableHttp2()) {
      return server.bindFlow(perConnection(guard, handler, settings.getPipeliningLimit()));
    }
    warnUnlessHooked(classic.settings().config());
    GuardedPorts ports = GuardedPorts.get(classic);
    // A fixed port is claimed before it is bound, so that not even the first connection goes unguarded.
    if (http.port() > 0) ports.guard(http.port(), guard);
    Function<HttpRequest, CompletionStage<HttpResponse>> tracked = request -> handle(guard, request, handler);
    return server.bind(tracked).thenApply(binding -> {
      int port = binding.localAddress().getPort();
      ports.guard(port, guard);
      binding.whenTerminated().thenRun(() -> ports.release(port, guard));
      return binding;
    });
  }

  /** One connection's handler, materialized as Pekko accepts the connection: admitted, guarded, or closed. */
  private static Flow<HttpRequest, HttpResponse, NotUsed> perConnection(ConnectionGuard guard,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler, int pipelining) {
    return Flow.<HttpRequest, HttpResponse, NotUsed>fromMaterializer((materializer, attributes) -> {
      InetSocketAddress remote = attributes.getAttribute(HttpAttributes.RemoteAddress.class)
          .map(HttpAttributes.RemoteAddress::address)
          // Pekko always sets it with remote-address-attribute on; without it the cap cannot apply.
          .orElseGet(() -> InetSocketAddress.createUnresolved("unknown", 0));
      SharedKillSwitch kill = KillSwitches.shared("connection-guard");
      Optional<ConnectionGuard.Connection> connection = guard.admit(remote, kill::shutdown);
      if (connection.isEmpty()) kill.shutdown();
      return Flow.<HttpRequest>create()
          .via(kill.flow())
          // The requests end when the client closes its side: Pekko completes them at once, while the
          // responses in progress would only notice when written to. Their handlers are told now.
          .watchTermination((mat, done) -> {
            connection.ifPresent(open -> done.whenComplete((ok, failure) -> open.clientLeft()));
            return mat;
          })
          .mapAsync(pipelining, request -> RequestsInProgress.handle(connection.orElseThrow(), request, handler))
          .watchTermination((mat, done) -> {
            connection.ifPresent(open -> done.whenComplete((ok, failure) -> open.closed()));
            return mat;
          });
    }).mapMaterializedValue(mat -> NotUsed.getInstance());
  }

  private static CompletionStage<HttpResponse> handle(ConnectionGuard guard, HttpRequest request,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler) throws Exception {
    Optional<ConnectionGuard.Connection> connection = RequestsInProgress.remote(request).flatMap(guard::connection);
    if (connection.isPresent() && upgradesToH2c(request)) connection.get().untime();
    return connection.isPresent()
        ? RequestsInProgress.handle(connection.get(), request, handler)
        : handler.apply(request);
  }

  /**
   * The HTTP/1.1 request that upgrades its connection to HTTP/2 ({@code Upgrade: h2c} with its one
   * {@code HTTP2-Settings}, RFC 7540 3.2), which Pekko answers on the new protocol as its stream 1.
   */
  private static boolean upgradesToH2c(HttpRequest request) {
    boolean h2c = request.getHeader("upgrade")
        .filter(upgrade -> upgrade.value().toLowerCase(java.util.Locale.ROOT).contains("h2c")).isPresent();
    return h2c && request.getHeader("http2-settings").isPresent();
  }

  private static void warnUnlessHooked(Config config) {
    String hook = config.hasPath(HOOK_KEY) ? config.getString(HOOK_KEY) : "";
    if (!hook.equals(H2cAcceptHook.class.getName())) {
      log.warn("{} is \"{}\", not {}: with switchboard.http.http2 on, connections that never complete a request"
          + " are not closed and max-connections-per-address is not enforced", HOOK_KEY, hook,
          H2cAcceptHook.class.getName());
    }
  }
}
