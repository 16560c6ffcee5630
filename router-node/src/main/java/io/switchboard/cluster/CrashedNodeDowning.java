package io.switchboard.cluster;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
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
 * <p>Before such a decision is taken, the cluster port of every member still counted reachable is probed
 * too (a confirmation). Nodes that crash together are found unreachable a second or so apart, so the
 * first refusal would otherwise be judged on a membership in which the others still count as reachable:
 * a node left alone of three would down the first crashed peer as a majority, then find itself in a
 * one-to-one tie with the second and wait for the resolver's tie-break, believing all the while that it
 * had a majority. A reachable member whose port refuses has no process left, whatever the failure
 * detector still thinks, so it counts as unreachable and refused for this decision (and may be downed by
 * it); one that accepts or does not answer stays reachable. The decision is taken once every
 * confirmation probe has answered, on the membership as it is then; a round is never started while one
 * is running, and a member that became reachable during a round, unprobed, makes the next tick confirm
 * again. A confirmation costs a round trip to each reachable member, nothing when a decision would wait.
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

  /** What an unreachable member's port said. */
  private record Probed(UniqueAddress member, Probe result) implements Command {}

  /** What a reachable member's port said, probed to confirm a decision. */
  private record Confirmed(UniqueAddress member, Probe result) implements Command {}

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
    /** Unreachable members whose ports refused. */
    private final Set<UniqueAddress> refused = new HashSet<>();
    private final Set<UniqueAddress> inFlight = new HashSet<>();
    private final Set<UniqueAddress> downed = new HashSet<>();
    /** Reachable members whose confirmation probes have not answered: a round is running while non-empty. */
    private final Set<UniqueAddress> confirming = new HashSet<>();
    /** The reachable members probed in the last confirmation round. */
    private final Set<UniqueAddress> confirmed = new HashSet<>();
    /** Those of them whose ports refused: counted unreachable and refused for the round's decision. */
    private final Set<UniqueAddress> refusedWhileReachable = new HashSet<>();
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
          .onMessage(Confirmed.class, this::onConfirmed)
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
        probeAsync(host.get(), port.get(), result -> new Probed(member, result));
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

    private Behavior<Command> onConfirmed(Confirmed answer) {
      if (!confirming.remove(answer.member())) return Behaviors.same();
      if (answer.result() == Probe.REFUSED) {
        refusedWhileReachable.add(answer.member());
        log.info("Cluster: {} is still counted reachable, but its cluster port refuses connections: it counts as"
            + " crashed for the decision being confirmed", answer.member().address());
      }
      if (confirming.isEmpty()) decideConfirmed(cluster.state());
      return Behaviors.same();
    }

    private void probeAsync(String host, int port, Function<Probe, Command> answer) {
      CompletableFuture.supplyAsync(() -> prober.probe(host, port), executor)
          .exceptionally(e -> Probe.NO_ANSWER)
          .thenAccept(result -> context.getSelf().tell(answer.apply(result)));
    }

    private boolean canAct() {
      return !downedSelf && cluster.selfMember().status() == MemberStatus.up();
    }

    /**
     * Where the refusals so far would lead to a decision, starts a confirmation round: the ports of the
     * members still counted reachable are probed before it is taken. Nothing while a round is running.
     */
    private void act(ClusterEvent.CurrentClusterState state) {
      if (!confirming.isEmpty() || !canAct()) return;
      if (decision(state, Set.of()).equals(Decision.WAIT)) return;
      confirmed.clear();
      refusedWhileReachable.clear();
      for (Member m : reachablePeers(state)) {
        Optional<String> host = m.address().getHost();
        Optional<Integer> port = m.address().getPort();
        if (host.isEmpty() || port.isEmpty()) continue;
        UniqueAddress member = m.uniqueAddress();
        confirming.add(member);
        confirmed.add(member);
        probeAsync(host.get(), port.get(), result -> new Confirmed(member, result));
      }
      if (confirming.isEmpty()) {
        decideConfirmed(state);
      } else {
        log.debug("Cluster: probing the cluster ports of {} reachable member(s) before acting on a refusal",
            confirming.size());
      }
    }

    /** Takes the decision once a confirmation round is over, on the membership as it is now. */
    private void decideConfirmed(ClusterEvent.CurrentClusterState state) {
      if (!canAct()) return;
      for (Member m : reachablePeers(state)) {
        if (m.address().getHost().isPresent() && m.address().getPort().isPresent()
            && !confirmed.contains(m.uniqueAddress())) {
          // Reachable again, or newly up, during the round: not probed, so the next tick confirms again.
          return;
        }
      }
      Decision decision = decision(state, refusedWhileReachable);
      for (Address address : decision.down()) {
        Member member = memberAt(state, address);
        if (member == null || !downed.add(member.uniqueAddress())) continue;
        if (refusedWhileReachable.contains(member.uniqueAddress())) {
          log.warn("Cluster: {} is still counted reachable, but its cluster port refuses connections, so no process"
              + " listens there: downing it now, without waiting for the failure detector and the split-brain"
              + " resolver's stable-after", address);
        } else {
          log.warn("Cluster: {} is unreachable and its cluster port refuses connections, so no process listens"
              + " there: downing it now, without waiting for the split-brain resolver's stable-after", address);
        }
        cluster.manager().tell(new Down(address));
      }
      if (decision.downSelf()) {
        downedSelf = true;
        if (refusedWhileReachable.isEmpty()) {
          log.warn("Cluster: this node reaches fewer than half of its cluster, and every node it cannot reach"
              + " refuses connections: downing itself now, as the split-brain resolver would after its"
              + " stable-after");
        } else {
          log.warn("Cluster: this node reaches fewer than half of its cluster once the {} member(s) still counted"
              + " reachable whose ports refused are counted out, and every node it cannot reach refuses"
              + " connections: downing itself now, as the split-brain resolver would after its stable-after",
              refusedWhileReachable.size());
        }
        cluster.manager().tell(new Down(cluster.selfMember().address()));
      }
    }

    /** The decision on {@code state}, with the reachable members in {@code alsoRefused} counted refused. */
    private Decision decision(ClusterEvent.CurrentClusterState state, Set<UniqueAddress> alsoRefused) {
      Set<Address> members = new HashSet<>();
      Set<Address> unreachable = new HashSet<>();
      Set<Address> refusedNow = new HashSet<>();
      Set<Address> refusedReachable = new HashSet<>();
      for (Member m : state.getMembers()) {
        if (!counted(m)) continue;
        members.add(m.address());
        if (alsoRefused.contains(m.uniqueAddress())) refusedReachable.add(m.address());
      }
      for (Member m : state.getUnreachable()) {
        if (!counted(m)) continue;
        unreachable.add(m.address());
        if (refused.contains(m.uniqueAddress())) refusedNow.add(m.address());
      }
      return decide(members, unreachable, refusedNow, refusedReachable);
    }

    /** The counted members other than this node that the failure detector still finds reachable. */
    private List<Member> reachablePeers(ClusterEvent.CurrentClusterState state) {
      Set<UniqueAddress> unreachable = new HashSet<>();
      for (Member m : state.getUnreachable()) unreachable.add(m.uniqueAddress());
      UniqueAddress self = cluster.selfMember().uniqueAddress();
      List<Member> peers = new ArrayList<>();
      for (Member m : state.getMembers()) {
        if (counted(m) && !m.uniqueAddress().equals(self) && !unreachable.contains(m.uniqueAddress())) peers.add(m);
      }
      return peers;
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
    return decide(members, unreachable, refused, Set.of());
  }

  /**
   * The same decision once reachable members have been probed: those in {@code refusedWhileReachable}
   * still count as reachable to the failure detector, but their ports refused, so their processes are
   * gone; they count as unreachable and refused, and are downed with the others if the rest is a majority.
   */
  static Decision decide(Set<Address> members, Set<Address> unreachable, Set<Address> refused,
      Set<Address> refusedWhileReachable) {
    Set<Address> gone = new HashSet<>(unreachable);
    Set<Address> refusedAll = new HashSet<>(refused);
    for (Address a : refusedWhileReachable) {
      if (!members.contains(a)) continue;
      gone.add(a);
      refusedAll.add(a);
    }
    return keepMajority(members, gone, refusedAll);
  }

  private static Decision keepMajority(Set<Address> members, Set<Address> unreachable, Set<Address> refused) {
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
