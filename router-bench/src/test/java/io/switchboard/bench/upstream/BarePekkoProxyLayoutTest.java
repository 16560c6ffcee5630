package io.switchboard.bench.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What a bare proxy's command line asks for: its client and its thread layout. */
@Tag("unit")
class BarePekkoProxyLayoutTest {

  @Test
  void noOptions_isTodaysProxy_theHostPoolOnPekkosDefaultThreads() {
    BarePekkoProxy.Layout layout = BarePekkoProxy.layout(Map.of());

    assertEquals(BarePekkoProxy.Layout.POOL, layout);
    assertEquals("", layout.config());
    assertEquals("pool", layout.describe());
  }

  @Test
  void dispatcherFlags_sizeTheDefaultDispatcher_andAliasTheInternalOne() {
    BarePekkoProxy.Layout layout = BarePekkoProxy.layout(Map.of("client", "Connection", "dispatcher-threads", "3",
        "internal-is-default", "true"));
    Config config = ConfigFactory.parseString(layout.config());

    assertEquals(UpstreamClient.Kind.CONNECTION, layout.client());
    assertEquals(3, config.getInt("pekko.actor.default-dispatcher.fork-join-executor.parallelism-min"));
    assertEquals(3, config.getInt("pekko.actor.default-dispatcher.fork-join-executor.parallelism-max"));
    assertEquals("pekko.actor.default-dispatcher", config.getString("pekko.actor.internal-dispatcher"));
    assertEquals("connection, 3 dispatcher threads, internal = default", layout.describe());
  }

  @Test
  void clientThreadsAndConnections_showInTheDescription() {
    assertEquals("netty, 4 Netty threads",
        BarePekkoProxy.layout(Map.of("client", "netty", "netty-threads", "4")).describe());
    assertEquals("h2, 3 h2c connections",
        BarePekkoProxy.layout(Map.of("client", "h2", "h2-connections", "3")).describe());
  }

  @Test
  void unknownClient_orNoConnection_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BarePekkoProxy.layout(Map.of("client", "okhttp")));
    assertTrue(e.getMessage().contains("pool, connection, netty or h2"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> BarePekkoProxy.layout(Map.of("client", "h2", "h2-connections", "0")));
    assertThrows(IllegalArgumentException.class,
        () -> BarePekkoProxy.layout(Map.of("dispatcher-threads", "-1")));
  }
}
