package io.switchboard.http.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.ConnectionLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import scala.concurrent.ExecutionContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The guard's decisions with time driven by hand: which connections are admitted per address, when a
 * connection without a request in progress is closed, and that a connection in use never is.
 */
@Tag("unit")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionGuardTest {
  private static final Duration HEADER = Duration.ofSeconds(10);
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(60);
  private static final InetAddress ONE = address("192.0.2.1");
  private static final InetAddress OTHER = address("192.0.2.2");
  private static final InetAddress PROXY = address("192.0.2.9");

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder()
      .withCustomConfig(ManualTime.config().withFallback(ConfigFactory.load())).build();
  private ManualTime manualTime;
  private int nextPort = 40000;

  @BeforeAll
  void manualTime() {
    manualTime = ManualTime.get(testKit.system());
  }

  private ConnectionGuard guard(int maxPerAddress) {
    return new ConnectionGuard(new ConnectionLimits(HEADER, KEEP_ALIVE, maxPerAddress, Set.of(PROXY)),
        testKit.system().classicSystem().scheduler(), ExecutionContext.fromExecutor(Runnable::run));
  }

  /** A connection from {@code address} that counts its closes in {@code closes}. */
  private Optional<ConnectionGuard.Connection> admit(ConnectionGuard guard, InetAddress address, AtomicInteger closes) {
    return guard.admit(new InetSocketAddress(address, nextPort++), closes::incrementAndGet);
  }

  @Test
  void anAddressAtItsCap_isRefused_othersAndExemptOnesAreNot_andAClosedConnectionFreesItsSlot() {
    ConnectionGuard guard = guard(2);
    AtomicInteger closes = new AtomicInteger();
    ConnectionGuard.Connection first = admit(guard, ONE, closes).orElseThrow();
    assertTrue(admit(guard, ONE, closes).isPresent());

    assertTrue(admit(guard, ONE, closes).isEmpty(), "a third connection from the same address");
    assertTrue(admit(guard, OTHER, closes).isPresent(), "another address is admitted");
    for (int i = 0; i < 5; i++) assertTrue(admit(guard, PROXY, closes).isPresent(), "an exempt address has no cap");
    assertEquals(2, guard.heldBy(ONE));

    first.closed();
    first.closed();
    assertEquals(1, guard.heldBy(ONE), "a connection that ends frees one slot, however often its end is reported");
    assertTrue(admit(guard, ONE, closes).isPresent());
  }

  @Test
  void noCap_admitsEveryConnection() {
    ConnectionGuard guard = guard(0);
    for (int i = 0; i < 100; i++) assertTrue(admit(guard, ONE, new AtomicInteger()).isPresent());
  }

  @Test
  void aConnectionWithoutARequest_isClosedWhenTheHeaderTimeoutRunsOut_andNotBefore() {
    AtomicInteger closes = new AtomicInteger();
    admit(guard(0), ONE, closes);

    manualTime.timePasses(HEADER.minusMillis(1));
    assertEquals(0, closes.get());
    manualTime.timePasses(Duration.ofMillis(1));
    assertEquals(1, closes.get());
  }

  @Test
  void aConnectionInUse_isNeverClosed_andAfterItsLastResponseTheKeepAliveTimeoutRuns() {
    AtomicInteger closes = new AtomicInteger();
    ConnectionGuard.Connection connection = admit(guard(0), ONE, closes).orElseThrow();
    connection.requestStarted();
    connection.requestStarted(); // HTTP/2: a second stream on the same connection

    manualTime.timePasses(KEEP_ALIVE.multipliedBy(10));
    connection.requestFinished();
    manualTime.timePasses(KEEP_ALIVE.multipliedBy(10));
    assertEquals(0, closes.get(), "closed while a request was in progress");

    connection.requestFinished();
    manualTime.timePasses(KEEP_ALIVE.minusMillis(1));
    assertEquals(0, closes.get(), "the keep-alive timeout, not the header timeout, runs between requests");
    manualTime.timePasses(Duration.ofMillis(1));
    assertEquals(1, closes.get());
  }

  @Test
  void aClosedConnection_orOneUpgradedToH2c_isNotClosedByATimer() {
    AtomicInteger closes = new AtomicInteger();
    ConnectionGuard guard = guard(0);
    admit(guard, ONE, closes).orElseThrow().closed();
    ConnectionGuard.Connection upgraded = admit(guard, ONE, closes).orElseThrow();
    upgraded.requestStarted();
    upgraded.untime();
    upgraded.requestFinished();

    manualTime.timePasses(KEEP_ALIVE.multipliedBy(10));
    assertEquals(0, closes.get());
  }

  @Test
  void aConnectionIsFoundByItsClientEnd_untilItCloses() {
    ConnectionGuard guard = guard(0);
    InetSocketAddress remote = new InetSocketAddress(ONE, 51234);
    ConnectionGuard.Connection connection = guard.admit(remote, () -> { }).orElseThrow();

    assertEquals(Optional.of(connection), guard.connection(remote));
    connection.closed();
    assertEquals(Optional.empty(), guard.connection(remote));
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
