package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ClusterLayoutTest {

  @Test
  void defaults_giveThreeNodesDistinctPortsAndDirectories() {
    ClusterLayout layout = ClusterLayout.defaults(Path.of("/tmp/run"));
    List<ClusterLayout.Node> nodes = layout.nodes();

    assertEquals(3, nodes.size());
    assertEquals(List.of(8081, 8082, 8083), nodes.stream().map(ClusterLayout.Node::httpPort).toList());
    assertEquals(List.of(25521, 25522, 25523), nodes.stream().map(ClusterLayout.Node::clusterPort).toList());
    assertEquals(List.of(8559, 8560, 8561), nodes.stream().map(ClusterLayout.Node::managementPort).toList());
    Set<Path> dirs = nodes.stream().map(ClusterLayout.Node::dataDir).collect(Collectors.toSet());
    assertEquals(3, dirs.size());
    assertEquals(Path.of("/tmp/run/node-2"), nodes.get(1).dataDir());
    assertEquals("http://127.0.0.1:8082", nodes.get(1).httpUrl());
    assertEquals("http://127.0.0.1:8560", nodes.get(1).managementUrl());
  }

  @Test
  void seedNodes_listEveryNodesClusterAddress() {
    ClusterLayout layout = new ClusterLayout("127.0.0.1", 2, 9000, 26000, 9500, Path.of("/tmp/x"));
    assertEquals("127.0.0.1:26000,127.0.0.1:26001", layout.seedNodes());
  }

  @Test
  void impossibleLayouts_areRefusedAtOnce() {
    assertThrows(IllegalArgumentException.class, () -> new ClusterLayout("127.0.0.1", 0, 8081, 25521, 8559, Path.of("x")));
    assertThrows(IllegalArgumentException.class, () -> new ClusterLayout("127.0.0.1", 3, 65_534, 25521, 8559, Path.of("x")));
  }
}
