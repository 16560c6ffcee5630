package io.switchboard.http.connection;

import io.switchboard.config.ConnectionLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContext;

/**
 * One server's client connections: how many each client address holds, and for each connection a
 * timer that closes it while it holds its slot without a request.
 *
 * <p>A connection is {@linkplain #admit admitted} when it is accepted, and the header timer starts.
 * When a request's headers are complete ({@link Connection#requestStarted}) the timer stops; when the
 * last response in progress has been sent to its end ({@link Connection#requestFinished}) the keep-alive
 * timer starts. A timer that runs out closes the connection. Stream plumbing is the callers': this class
 * only counts and decides, so it is tested with Pekko's manual time.
 *
 * <pre>{@code
 * ConnectionGuard guard = new ConnectionGuard(limits, system.scheduler(), system.dispatcher());
 * Optional<ConnectionGuard.Connection> connection = guard.admit(remote, killSwitch::shutdown);
 * if (connection.isEmpty()) killSwitch.shutdown(); // over its address's cap: closed at once
 * }</pre>
 */
public final class ConnectionGuard {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);

  private final ConnectionLimits limits;
  private final Scheduler scheduler;
  private final ExecutionContext executor;
  private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
  /** Addresses at their cap that have been warned about; one warning until they drop below it. */
  private final Set<InetAddress> warned = ConcurrentHashMap.newKeySet();
  private final Map<InetSocketAddress, Connection> open = new ConcurrentHashMap<>();

  public ConnectionGuard(ConnectionLimits limits, Scheduler scheduler, ExecutionContext executor) {
    this.limits = limits;
    this.scheduler = scheduler;
    this.executor = executor;
  }

  /**
   * A connection just accepted from {@code remote}.
   *
   * @param close closes the connection; run at most once, when a timer runs out
   * @return empty when {@code remote}'s address holds its cap of connections already: the caller closes
   *     the new one at once
   */
  public Optional<Connection> admit(InetSocketAddress remote, Runnable close) {
    InetAddress address = remote.getAddress();
    boolean counted = address != null && limits.capped(address);
    if (counted && !take(address)) {
      if (warned.add(address)) {
        log.warn("Client address {} holds {} connections, switchboard.http.max-connections-per-address: its further"
            + " connections are closed until it holds fewer. A reverse proxy in front of the gateway belongs in"
            + " max-connections-per-address-exempt.", address.getHostAddress(), limits.maxPerAddress());
      }
      return Optional.empty();
    }
    Connection connection = new Connection(remote, counted, close);
    open.put(remote, connection);
    connection.start();
    return Optional.of(connection);
  }

  /** The open connection whose client end is {@code remote}, if this guard admitted it. */
  public Optional<Connection> connection(InetSocketAddress remote) {
    return Optional.ofNullable(open.get(remote));
  }

  /** Connections {@code address} holds that count against its cap. */
  int heldBy(InetAddress address) {
    return perAddress.getOrDefault(address, 0);
  }

  private boolean take(InetAddress address) {
    boolean[] taken = {false};
    perAddress.compute(address, (a, held) -> {
      int now = held == null ? 0 : held;
      if (now >= limits.maxPerAddress()) return held;
      taken[0] = true;
      return now + 1;
    });
    return taken[0];
  }

  private void release(InetAddress address) {
    perAddress.computeIfPresent(address, (a, held) -> held <= 1 ? null : held - 1);
    warned.remove(address);
  }

  /** One admitted connection: requests in progress on it, and the timer that runs while there are none. */
  public final class Connection {
    private final InetSocketAddress remote;
    private final boolean counted;
    private final Runnable close;
    private int inProgress;
    private boolean closed;
    private boolean clientLeft;
    /** Its requests can no longer be seen (upgraded to h2c): only Pekko's idle-timeout closes it now. */
    private boolean untimed;
    /** Which arming of the timer is current: a timer that fires after being replaced does nothing. */
    private long generation;
    private Cancellable timer;
    /** The requests in progress whose client's leaving someone watches. */
    private final Set<CompletableFuture<Void>> watched = ConcurrentHashMap.newKeySet();

    private Connection(InetSocketAddress remote, boolean counted, Runnable close) {
      this.remote = remote;
      this.counted = counted;
      this.close = close;
    }

    private synchronized void start() {
      arm(limits.headerTimeout(), "its first request's headers");
    }

    /** A request's headers are complete: the connection is in use until its response has been sent. */
    public synchronized void requestStarted() {
      inProgress++;
      disarm();
    }

    /** A response has been sent to its end (or given up): with none left, the keep-alive timer starts. */
    public synchronized void requestFinished() {
      if (inProgress == 0) return;
      inProgress--;
      if (inProgress == 0 && !closed) arm(limits.keepAliveTimeout(), "a next request's headers");
    }

    /**
     * Stops timing this connection for good, while it still counts against its address's cap: it was
     * upgraded to HTTP/2 from HTTP/1.1 ({@code Upgrade: h2c}), and Pekko hands the requests of an
     * upgraded connection to the handler without the client address that would tie them to it. The
     * client completed a request to get here, so it is no header-dribbler; an idle upgraded connection
     * is left to {@code pekko.http.server.idle-timeout}.
     */
    public synchronized void untime() {
      untimed = true;
      disarm();
    }

    /**
     * A signal that completes if this connection ends before {@link #unwatch} is called with it: the
     * client of a request in progress left.
     */
    public synchronized CompletableFuture<Void> watch() {
      CompletableFuture<Void> gone = new CompletableFuture<>();
      if (closed || clientLeft) gone.complete(null);
      else watched.add(gone);
      return gone;
    }

    /** The request watched by {@code gone} has been answered: its client's leaving no longer matters. */
    public void unwatch(CompletableFuture<Void> gone) {
      watched.remove(gone);
    }

    /**
     * The client closed its side: no request can come any more, and the requests in progress have nobody
     * to answer (except one sent with {@code Connection: close}, which is not watched).
     */
    public void clientLeft() {
      synchronized (this) {
        clientLeft = true;
      }
      watched.forEach(gone -> gone.complete(null));
      watched.clear();
    }

    /** The connection ended, for whatever reason: its slot is free again. Safe to call more than once. */
    public void closed() {
      synchronized (this) {
        if (closed) return;
        closed = true;
        disarm();
      }
      watched.forEach(gone -> gone.complete(null));
      watched.clear();
      open.remove(remote, this);
      if (counted) release(remote.getAddress());
    }

    private void arm(Duration timeout, String awaited) {
      if (untimed) return;
      long armed = ++generation;
      timer = scheduler.scheduleOnce(timeout, () -> expire(armed, timeout, awaited), executor);
    }

    private void disarm() {
      generation++;
      if (timer != null) timer.cancel();
      timer = null;
    }

    private void expire(long armed, Duration timeout, String awaited) {
      synchronized (this) {
        if (closed || armed != generation || inProgress > 0) return;
      }
      log.debug("Closing the connection from {}: no {} within {}", remote, awaited, timeout);
      close.run();
    }
  }
}
