package io.switchboard.bench.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Watches every node of a run, one thread each, about once a second: its {@code /ready}, the members
 * its {@code /cluster/members} lists and their status, and whether its process has ended; records
 * each change in the run's {@link Timeline}, e.g. {@code node-2: ready; sees node-1 Up, node-2 Up,
 * node-3 Up; unreachable node-1}. A frozen node answers nothing: its probes time out (3 s each).
 */
final class MemberWatch implements AutoCloseable {
  private static final long EVERY_NANOS = 1_000_000_000L;

  private final AtomicBoolean stopped = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();

  MemberWatch(List<ClusterLayout.Node> nodes, Supplier<List<NodeProcess>> processes, Timeline timeline) {
    ClusterProbe probe = new ClusterProbe();
    for (int i = 0; i < nodes.size(); i++) {
      int index = i;
      ClusterLayout.Node node = nodes.get(i);
      Thread t = new Thread(() -> {
        String last = null;
        long exitReportedFor = -1;
        while (!stopped.get()) {
          NodeProcess process = processes.get().get(index);
          OptionalInt exit = process.exitCode();
          if (exit.isPresent() && exitReportedFor != process.pid()) {
            exitReportedFor = process.pid();
            timeline.saw(node.name() + "'s process (pid " + process.pid() + ") has exited, code " + exit.getAsInt());
          }
          String now = exit.isPresent() ? "not running"
              : state(probe.readyStatus(node), probe.members(node), nodes);
          if (!now.equals(last) && !stopped.get()) timeline.saw(node.name() + ": " + now);
          last = now;
          LockSupport.parkNanos(EVERY_NANOS);
        }
      }, "watch-" + node.name());
      t.setDaemon(true);
      threads.add(t);
    }
  }

  void start() {
    threads.forEach(Thread::start);
  }

  /**
   * One node's state in a line: its {@code /ready} ({@code -1}: no answer) and what it sees of the
   * members, named as the run names them.
   */
  static String state(int readyStatus, ClusterProbe.Membership members, List<ClusterLayout.Node> nodes) {
    String ready = readyStatus == 200 ? "ready" : readyStatus < 0 ? "no answer on HTTP" : "NOT ready (" + readyStatus + ")";
    if (members == null) return ready + "; no answer on management";
    List<String> seen = new ArrayList<>();
    members.members().stream().sorted(Comparator.comparing(m -> name(m.address(), nodes)))
        .forEach(m -> seen.add(name(m.address(), nodes) + " " + m.status()));
    List<String> unreachable = members.unreachable().stream().map(a -> name(a, nodes)).sorted().toList();
    return ready + "; sees " + (seen.isEmpty() ? "no members" : String.join(", ", seen))
        + (unreachable.isEmpty() ? "" : "; unreachable " + String.join(", ", unreachable));
  }

  /** {@code node-2} for {@code pekko://switchboard@127.0.0.1:25522}; the address itself if no node listens there. */
  static String name(String address, List<ClusterLayout.Node> nodes) {
    for (ClusterLayout.Node node : nodes) {
      if (address.endsWith(node.host() + ":" + node.clusterPort())) return node.name();
    }
    return address;
  }

  @Override
  public void close() throws InterruptedException {
    stopped.set(true);
    for (Thread t : threads) t.join(10_000);
  }
}
