package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class MemberWatchTest {
  private final List<ClusterLayout.Node> nodes = ClusterLayout.defaults(Path.of("/tmp/cluster")).nodes();

  private static ClusterProbe.Member member(int port, String status) {
    return new ClusterProbe.Member("pekko://switchboard@127.0.0.1:" + port, status);
  }

  @Test
  void namesMembersAsTheRunDoes_inNodeOrder_withTheUnreachableOnes() {
    ClusterProbe.Membership seen = new ClusterProbe.Membership(
        List.of(member(25523, "Up"), member(25521, "Up"), member(25522, "Leaving")),
        List.of("pekko://switchboard@127.0.0.1:25521"));
    assertEquals("ready; sees node-1 Up, node-2 Leaving, node-3 Up; unreachable node-1",
        MemberWatch.state(200, seen, nodes));
  }

  @Test
  void saysWhenANodeIsNotReadyOrDoesNotAnswer() {
    ClusterProbe.Membership alone = new ClusterProbe.Membership(List.of(member(25521, "Up")), List.of());
    assertEquals("NOT ready (503); sees node-1 Up", MemberWatch.state(503, alone, nodes));
    assertEquals("no answer on HTTP; no answer on management", MemberWatch.state(-1, null, nodes));
  }

  @Test
  void keepsAnAddressNoNodeOfTheRunHas() {
    assertEquals("pekko://switchboard@10.0.0.9:25521", MemberWatch.name("pekko://switchboard@10.0.0.9:25521", nodes));
  }
}
