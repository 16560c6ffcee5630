package io.switchboard.http.connection;

import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.impl.engine.http2.TelemetrySpi;
import org.apache.pekko.http.scaladsl.model.HttpRequest;
import org.apache.pekko.http.scaladsl.model.HttpResponse;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.scaladsl.Tcp;
import org.apache.pekko.util.ByteString;

/**
 * Puts every TCP connection an HTTP/2-capable Pekko HTTP server accepts under its port's
 * {@link ConnectionGuard}: admitted or closed at once, and closed when its guard's timer runs out.
 *
 * <p>Why this shape: with HTTP/2 on, Pekko HTTP accepts connections inside {@code bind} and offers no
 * public way to see them (its {@code connectionSource} and {@code bindFlow} speak HTTP/1.1 only). The one
 * place it lets anyone in is this interface, meant for instrumentation and marked internal-but-stable,
 * which Pekko instantiates from {@code pekko.http.http2-telemetry-class} (set in application.conf) and
 * whose {@link #serverBinding} sees each accepted connection before it is handled. A connection on a
 * port no guard has claimed passes untouched. The HTTP/1.1-only server needs none of this; see
 * {@link GuardedServer}.
 */
public final class H2cAcceptHook implements TelemetrySpi {
  private final ActorSystem system;

  /** Called by Pekko HTTP, once per actor system. */
  public H2cAcceptHook(ActorSystem system) {
    this.system = system;
  }

  @Override
  public org.apache.pekko.stream.scaladsl.Flow<Tcp.IncomingConnection, Tcp.IncomingConnection, NotUsed> serverBinding() {
    GuardedPorts ports = GuardedPorts.get(system);
    return Flow.<Tcp.IncomingConnection>create()
        .map(incoming -> ports.guardOf(incoming.localAddress().getPort())
            .map(guard -> guarded(guard, incoming))
            .orElse(incoming))
        .asScala();
  }

  /** {@code incoming} whose bytes stop both ways when its guard closes it, and which frees its slot when it ends. */
  private static Tcp.IncomingConnection guarded(ConnectionGuard guard, Tcp.IncomingConnection incoming) {
    Flow<ByteString, ByteString, NotUsed> bytes = Flow.fromMaterializer((materializer, attributes) -> {
      SharedKillSwitch kill = KillSwitches.shared("connection-guard");
      Optional<ConnectionGuard.Connection> connection = guard.admit(incoming.remoteAddress(), kill::shutdown);
      if (connection.isEmpty()) kill.shutdown();
      return BidiFlow.fromFlows(kill.<ByteString>flow(), kill.<ByteString>flow())
          .join(incoming.flow().asJava())
          .watchTermination((mat, done) -> {
            connection.ifPresent(open -> done.whenComplete((ok, failure) -> open.closed()));
            return mat;
          });
    }).mapMaterializedValue(mat -> NotUsed.getInstance());
    return new Tcp.IncomingConnection(incoming.localAddress(), incoming.remoteAddress(), bytes.asScala());
  }

  @Override
  public org.apache.pekko.stream.scaladsl.BidiFlow<HttpResponse, HttpResponse, HttpRequest, HttpRequest, NotUsed>
      serverConnection() {
    return org.apache.pekko.stream.scaladsl.BidiFlow.identity();
  }

  @Override
  public org.apache.pekko.stream.scaladsl.BidiFlow<HttpRequest, HttpRequest, HttpResponse, HttpResponse, NotUsed>
      client() {
    return org.apache.pekko.stream.scaladsl.BidiFlow.identity();
  }
}
