package io.switchboard.cluster;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downs a crashed node as soon as its death is certain, rather than after the split-brain resolver's
 * {@code split-brain-stable-after}.
 *
 * <p>A node the failure detector finds unreachable may be dead, paused (a long GC, SIGSTOP) or cut off;
 * the resolver cannot tell which, so it waits for the membership to settle before it decides. But a
 * process that has died on a host that is still up leaves a sign: its cluster port refuses connections
 * (the host's kernel answers a connection attempt with a reset, because nothing listens there any more).
 * A paused process does not: its kernel still accepts connections for it. A host that is down or cut off
 * answers nothing, so there is no sign either. This actor probes every unreachable member's cluster port
 * (its Artery TCP port) twice a second with a plain TCP connect. When every unreachable member has
 * refused, the resolver's keep-majority decision is taken at once: the side that reaches more than half
 * of the members downs the others; a node that reaches fewer than half downs itself; exactly half waits
 * for the resolver, whose tie-break needs the whole picture. Where any unreachable member has not
 * refused (paused, cut off, or a host gone), nothing is done here and the resolver decides as before.
 *
 * <p>The one setting that gives the same sign for a live node is a firewall that rejects, rather than
 * drops, traffic between nodes. Both sides of such a partition then see refusals and decide as
 * keep-majority would, each within half a second of its failure detector, so the cut-off side downs
 * itself about when the majority downs it. {@code switchboard.cluster.down-when-refused = off} leaves every
 * decision to the resolver.
 */
public final class CrashedNodeDowning {
  private static final Logger log = LoggerFactory.getLogger(CrashedNodeDowning.class);

  /** How often unreachable members are probed: the failure detector's heartbeat interval. */
  static final Duration PROBE_INTERVAL = Duration.ofMillis(500);

  /** How long a probe waits for a connection; a refusal comes back within a round trip. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  /** What a connection attempt to a member's cluster port said. */
  enum Probe {
    /** The host answered that nothing listens on the port: the process there is gone. */
    REFUSED,
    /** Something accepted the connection: the process is alive, although perhaps paused. */
    ACCEPTED,
    /** No answer, a timeout or an unreachable host: no evidence either way. */
    NO_ANSWER
  }

  /** What to do now about the unreachable members. */
  record Decision(List<Address> down, boolean downSelf) {
    static final Decision WAIT = new Decision(List.of(), false);
  }

  sealed interface Command {}

  private enum Tick implements Command { INSTANCE }

  private record Probed(UniqueAddress member, Probe result) implements Command {}

  private CrashedNodeDowning() {}

  /**
   * Starts the probing on a cluster node whose remoting runs over TCP, when {@code enabled}; with another
   * transport (Aeron over UDP) a refused TCP connection proves nothing, and the resolver decides alone.
   */
  public static void start(ActorSystem<?> system, boolean enabled) {
    if (!enabled) {
      log.info("Cluster: a crashed node is downed by the split-brain resolver after its stable-after"
          + " (switchboard.cluster.down-when-refused = off)");
      return;
    }
    String transport = system.settings().config().getString("pekko.remote.artery.transport");
    if (!transport.equals("tcp") && !transport.equals("tls-tcp")) {
      log.info("Cluster: remoting runs over {}, so a refused TCP connection proves nothing; a crashed node is"
          + " downed by the split-brain resolver after its stable-after", transport);
      return;
    }
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    system.systemActorOf(behavior(CrashedNodeDowning::probe, blocking), "crashed-node-downing", Props.empty());
  }

  /** The actor: {@code probe} tells what a connection to a host and port says, run on {@code executor}. */
  static Behavior<Command> behavior(Prober probe, Executor executor) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, PROBE_INTERVAL);
      return new Running(context, probe, executor).behavior();
    }));
  }

  /** A connection attempt, replaceable in tests. */
  @FunctionalInterface
  interface Prober {
    Probe probe(String host, int port);
  }

  private static final class Running {
    private final ActorContext<Command> context;
    private final Cluster cluster;
    private final Prober prober;
    private final Executor executor;
    private final Set<UniqueAddress> refused = new HashSet<>();
    private final Set<UniqueAddress> inFlight = new HashSet<>();
    private final Set<UniqueAddress> downed = new HashSet<>();
    private boolean downedSelf;

    Running(ActorContext<Command> context, Prober prober, Executor executor) {
      this.context = context;
      this.cluster = Cluster.get(context.getSystem());
      this.prober = prober;
      this.executor = executor;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessageEquals(Tick.INSTANCE, this::onTick)
          .onMessage(Probed.class, this::onProbed)
          .build();
    }

    private Behavior<Command> onTick() {
      ClusterEvent.CurrentClusterState state = cluster.state();
      Set<UniqueAddress> unreachable = new HashSet<>();
      for (Member m : state.getUnreachable()) {
        if (!counted(m) || downed.contains(m.uniqueAddress())) continue;
        unreachable.add(m.uniqueAddress());
        Optional<String> host = m.address().getHost();
        Optional<Integer> port = m.address().getPort();
        if (host.isEmpty() || port.isEmpty() || refused.contains(m.uniqueAddress())
            || !inFlight.add(m.uniqueAddress())) {
          continue;
        }
        UniqueAddress member = m.uniqueAddress();
        CompletableFuture.supplyAsync(() -> prober.probe(host.get(), port.get()), executor)
            .exceptionally(e -> Probe.NO_ANSWER)
            .thenAccept(result -> context.getSelf().tell(new Probed(member, result)));
      }
      // A member that is reachable again, or gone, keeps no old evidence.
      refused.retainAll(unreachable);
      // The membership may have changed since the last refusal (a member that had not refused is back).
      if (!refused.isEmpty()) act(state);
      return Behaviors.same();
    }

    private Behavior<Command> onProbed(Probed probed) {
      inFlight.remove(probed.member());
      if (probed.result() != Probe.REFUSED) return Behaviors.same();
      refused.add(probed.member());
      act(cluster.state());
      return Behaviors.same();
    }

    private void act(ClusterEvent.CurrentClusterState state) {
      if (downedSelf || cluster.selfMember().status() != MemberStatus.up()) return;
      Set<Address> members = new HashSet<>();
      Set<Address> unreachable = new HashSet<>();
      Set<Address> refusedNow = new HashSet<>();
      for (Member m : state.getMembers()) if (counted(m)) members.add(m.address());
      for (Member m : state.getUnreachable()) {
        if (!counted(m)) continue;
        unreachable.add(m.address());
        if (refused.contains(m.uniqueAddress())) refusedNow.add(m.address());
      }
      Decision decision = decide(members, unreachable, refusedNow);
      for (Address address : decision.down()) {
        Member member = memberAt(state, address);
        if (member == null || !downed.add(member.uniqueAddress())) continue;
        log.warn("Cluster: {} is unreachable and its cluster port refuses connections, so no process listens"
            + " there: downing it now, without waiting for the split-brain resolver's stable-after", address);
        cluster.manager().tell(new Down(address));
      }
      if (decision.downSelf()) {
        downedSelf = true;
        log.warn("Cluster: this node reaches fewer than half of its cluster, and every node it cannot reach"
            + " refuses connections: downing itself now, as the split-brain resolver would after its stable-after");
        cluster.manager().tell(new Down(cluster.selfMember().address()));
      }
    }
  }

  private static Member memberAt(ClusterEvent.CurrentClusterState state, Address address) {
    for (Member m : state.getMembers()) if (m.address().equals(address)) return m;
    return null;
  }

  /** The members a keep-majority decision counts: those Up or leaving, not those joining or already down. */
  private static boolean counted(Member m) {
    MemberStatus s = m.status();
    return s == MemberStatus.up() || s == MemberStatus.leaving();
  }

  /**
   * The keep-majority decision, taken only when every unreachable member has refused a connection: more
   * than half reachable downs the unreachable, fewer than half downs this node, exactly half waits (as
   * does any unreachable member that has not refused).
   */
  static Decision decide(Set<Address> members, Set<Address> unreachable, Set<Address> refused) {
    if (unreachable.isEmpty() || !refused.containsAll(unreachable)) return Decision.WAIT;
    int reachable = members.size() - unreachable.size();
    if (2 * reachable > members.size()) return new Decision(List.copyOf(unreachable), false);
    if (2 * reachable < members.size()) return new Decision(List.of(), true);
    return Decision.WAIT;
  }

  /** One TCP connection attempt to {@code host:port}, closed at once if it is accepted. */
  static Probe probe(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) PROBE_TIMEOUT.toMillis());
      return Probe.ACCEPTED;
    } catch (ConnectException e) {
      // "Connection refused" is the reset of a closed port; other connect failures prove nothing.
      String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
      return message.contains("refused") ? Probe.REFUSED : Probe.NO_ANSWER;
    } catch (IOException | RuntimeException e) {
      return Probe.NO_ANSWER;
    }
  }
}
