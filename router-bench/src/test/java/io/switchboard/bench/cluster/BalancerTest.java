package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class BalancerTest {

  private static List<Integer> next(Balancer lb, int count) {
    List<Integer> picked = new ArrayList<>();
    for (int i = 0; i < count; i++) picked.add(lb.next());
    return picked;
  }

  @Test
  void sendsRoundRobinOverEveryNode_whenAllAreInRotation() {
    assertEquals(List.of(1, 2, 3, 1, 2, 3), next(new Balancer(3), 6));
  }

  @Test
  void aNodeHeldOut_getsNothingUntilReleased_andTheOthersShareItsLoad() {
    Balancer lb = new Balancer(3);
    lb.hold(2);
    assertEquals(List.of(1, 3, 1, 3), next(lb, 4));
    lb.release(2);
    assertTrue(next(lb, 3).contains(2));
  }

  @Test
  void aNodeWhoseReadyCheckFails_isOutOfRotation_untilACheckAnswers200Again() {
    Balancer lb = new Balancer(3);
    lb.checked(3, false);
    assertEquals(List.of(1, 2, 1, 2), next(lb, 4));
    lb.checked(3, true);
    assertTrue(next(lb, 3).contains(3));
  }

  @Test
  void aReleasedNode_staysOutWhileItsReadyCheckStillFails() {
    // A restarted node is released as soon as the run sees it Up; a load balancer still waits for /ready.
    Balancer lb = new Balancer(2);
    lb.hold(1);
    lb.checked(1, false);
    lb.release(1);
    assertFalse(lb.inRotation(1));
    assertEquals(List.of(2, 2), next(lb, 2));
    lb.checked(1, true);
    assertTrue(lb.inRotation(1));
  }

  @Test
  void aHeldNode_staysOutEvenWhenItsReadyCheckSays200() {
    // A node being stopped still answers /ready for a moment; the load balancer was told it goes.
    Balancer lb = new Balancer(2);
    lb.hold(2);
    lb.checked(2, true);
    assertEquals(List.of(1, 1, 1), next(lb, 3));
  }

  @Test
  void withNoNodeInRotation_nextSaysSo() {
    Balancer lb = new Balancer(2);
    lb.hold(1);
    lb.checked(2, false);
    assertEquals(Balancer.NONE, lb.next());
  }

  @Test
  void refusesNodesItDoesNotHave() {
    Balancer lb = new Balancer(3);
    assertThrows(IllegalArgumentException.class, () -> lb.hold(0));
    assertThrows(IllegalArgumentException.class, () -> lb.checked(4, true));
    assertThrows(IllegalArgumentException.class, () -> new Balancer(0));
  }
}
