package io.switchboard.bench.jmh;

import com.typesafe.config.Config;
import io.switchboard.cluster.ClusterConfig;
import io.switchboard.config.ClusterSettings;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.ProviderActor;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * Two Switchboard actor systems in one JVM forming a Pekko cluster over Artery on 127.0.0.1 (random
 * ports), each running the shard region of provider entities as {@code Providers} does in a cluster,
 * with one provider whose entity lives on exactly one of them. Checkpoints go to an in-memory store
 * per node: the benchmark measures messaging, not a database.
 *
 * <p>Which node hosts the entity is up to the shard coordinator; {@link #start} asks the entity
 * ({@code GetStatus}, its {@code node} field) and names that node {@link #host()} and the other one
 * {@link #remote()}, so "local" and "remote" are what the entity itself reports, not an assumption.
 */
final class TwoNodeCluster implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** One node: its actor system and its ref to the provider entity (through its own shard region). */
  record Node(ActorSystem<Void> system, EntityRef<ProviderActor.Command> provider) {
    String address() {
      return system.address().toString();
    }
  }

  private final Node host;
  private final Node remote;

  private TwoNodeCluster(Node host, Node remote) {
    this.host = host;
    this.remote = remote;
  }

  /**
   * Starts both nodes, the first joining itself and the second joining the first, and waits until
   * both are Up and the entity of {@code providerId} has started somewhere.
   *
   * @param config the loaded configuration with {@code switchboard.providers.<providerId>}
   */
  static TwoNodeCluster start(Config config, String providerId) throws Exception {
    SwitchboardSettings settings = SwitchboardSettings.from(config, name -> null);
    ProviderSettings provider = settings.providers().get(providerId);
    // Port 0: Artery binds a free port; the nodes join programmatically, so no seed list is needed.
    ClusterSettings cluster = new ClusterSettings(true, "127.0.0.1", 0, List.of(), "127.0.0.1", -1, Duration.ofSeconds(20));
    Config nodeConfig = ClusterConfig.layeredOver(config, cluster, settings.http());
    Node first = startNode(nodeConfig, provider);
    Node second;
    try {
      second = startNode(nodeConfig, provider);
    } catch (Exception e) {
      first.system().terminate();
      throw e;
    }
    try {
      Address firstAddress = Cluster.get(first.system()).selfMember().address();
      CompletableFuture<Void> up = CompletableFuture.allOf(memberUp(first.system()), memberUp(second.system()));
      Cluster.get(first.system()).manager().tell(Join.create(firstAddress));
      Cluster.get(second.system()).manager().tell(Join.create(firstAddress));
      up.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      String hostAddress = nodeOfEntity(first);
      String seenFromSecond = nodeOfEntity(second);
      if (!hostAddress.equals(seenFromSecond)) {
        throw new IllegalStateException("the two nodes disagree where the entity lives: " + hostAddress + " vs "
            + seenFromSecond);
      }
      if (hostAddress.equals(first.address())) return new TwoNodeCluster(first, second);
      if (hostAddress.equals(second.address())) return new TwoNodeCluster(second, first);
      throw new IllegalStateException("the entity reports node " + hostAddress + ", neither " + first.address()
          + " nor " + second.address());
    } catch (Exception e) {
      second.system().terminate();
      first.system().terminate();
      throw e;
    }
  }

  private static Node startNode(Config config, ProviderSettings provider) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), ClusterConfig.SYSTEM_NAME, config);
    // The shard region Providers starts in a cluster: one entity per provider, never passivated.
    return new Node(system, ProviderActor.initSharding(system, Map.of(provider.id(), provider), new InMemoryStore(),
        Clock.systemUTC()).apply(provider.id()));
  }

  private static CompletableFuture<Void> memberUp(ActorSystem<Void> system) {
    CompletableFuture<Void> up = new CompletableFuture<>();
    org.apache.pekko.cluster.Cluster.get(system.classicSystem()).registerOnMemberUp(() -> up.complete(null));
    return up;
  }

  /** Asks the entity, through {@code via}'s shard region, which node it runs on. */
  static String nodeOfEntity(Node via) throws Exception {
    return AskPattern.<ProviderActor.Command, ProviderActor.Status>ask(via.provider(), ProviderActor.GetStatus::new,
            TIMEOUT, via.system().scheduler())
        .toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).node();
  }

  /** The node the entity lives on. */
  Node host() {
    return host;
  }

  /** The other node: each of its messages to the entity crosses Artery. */
  Node remote() {
    return remote;
  }

  /**
   * An {@link Echo} actor started on the host and referred to from the remote node: the same Artery
   * link as the entity's messages, without sharding or admission.
   */
  ActorRef<Echo.Ping> echoOnHostFromRemote() {
    ActorRef<Echo.Ping> echo = host.system().systemActorOf(Echo.create(), "echo", Props.empty());
    String path = ActorRefResolver.get(host.system()).toSerializationFormat(echo);
    return ActorRefResolver.get(remote.system()).resolveActorRef(path);
  }

  /** Fails if the entity moved since {@link #start}: the figures would then mean something else. */
  void checkEntityStayed() throws Exception {
    String now = nodeOfEntity(remote);
    if (!now.equals(host.address())) {
      throw new IllegalStateException("the entity moved from " + host.address() + " to " + now + " during the run");
    }
  }

  /** Stops the remote node first, so the host never has to hand its shard over. */
  @Override
  public void close() throws Exception {
    remote.system().terminate();
    remote.system().getWhenTerminated().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    host.system().terminate();
    host.system().getWhenTerminated().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }
}
