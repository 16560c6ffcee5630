package io.switchboard.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.OptionalLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class NodeProbeTest {

  /** The harness waits on this count for a phase's sockets to close. */
  @Test
  void openFiles_countsTheProcessesSockets() throws Exception {
    NodeProbe self = new NodeProbe(ProcessHandle.current().pid());
    long before = self.openFiles().orElseThrow();
    ServerSocket[] sockets = new ServerSocket[5];
    for (int i = 0; i < sockets.length; i++) sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    long open = self.openFiles().orElseThrow();
    for (ServerSocket s : sockets) s.close();

    assertTrue(open >= before + 5, "open " + open + ", before " + before);
    assertTrue(self.openFiles().orElseThrow() <= open - 5);
  }

  @Test
  void aProcessThatIsGoneHasNoCount() {
    assertEquals(OptionalLong.empty(), new NodeProbe(Long.MAX_VALUE).openFiles());
  }
}
