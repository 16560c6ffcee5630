package io.switchboard.registry;

import java.time.Duration;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.LWWRegisterKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's link to the registry's one Distributed Data register, a last-writer-wins register whose
 * "time" is the registry's version: a change saved on any node is written to every reachable node at
 * once ({@code WriteAll}) and spread by gossip to any that missed it, and each node's replica hands
 * what it hears to its {@link ModelRegistry}, which serves it when it is newer than its own.
 *
 * <p>The register is not the record (the database is): a node that starts or rejoins loads the stored
 * registry first and then hears from the register whatever is newer. Since versions come from the
 * store's revisions, two different registries never carry the same version, so the register's merge
 * is exactly "the newest change".
 */
public final class RegistryReplica {
  private static final Logger log = LoggerFactory.getLogger(RegistryReplica.class);
  static final Key<LWWRegister<StoredRegistry>> KEY = LWWRegisterKey.create("switchboard-registry");
  /** The register's clock: the version, so merges keep the newest registry whatever the wall clocks say. */
  private static final LWWRegister.Clock<StoredRegistry> BY_VERSION = (previous, stored) -> stored.version();

  private RegistryReplica() {}

  /** What the replica is told or hears. */
  public sealed interface Command {}

  /** A change this node saved: write it to every node. */
  public record Publish(StoredRegistry stored) implements Command {}

  private record Heard(Replicator.SubscribeResponse<LWWRegister<StoredRegistry>> response) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWRegister<StoredRegistry>> response) implements Command {}

  /** Time to read the stored registry (the timer's message). */
  private enum Reload implements Command { INSTANCE }

  /** Spawn one per node; tell it {@link Publish} for each saved change (see {@link ModelRegistry#publishTo}). */
  public static Behavior<Command> create(ModelRegistry registry, Duration writeTimeout, Duration reloadInterval) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        DistributedData.<Command, LWWRegister<StoredRegistry>>withReplicatorMessageAdapter(replicator -> {
          timers.startTimerWithFixedDelay(Reload.INSTANCE, reloadInterval);
          SelfUniqueAddress self = DistributedData.get(context.getSystem()).selfUniqueAddress();
          replicator.subscribe(KEY, Heard::new);
          // What this node loaded may be news to a cluster that started without it.
          context.getSelf().tell(new Publish(registry.current().stored()));
          return Behaviors.receive(Command.class)
              .onMessage(Publish.class, publish -> {
                StoredRegistry stored = publish.stored();
                replicator.askUpdate(replyTo -> new Replicator.Update<>(KEY,
                        LWWRegister.create(self, stored, BY_VERSION), new Replicator.WriteAll(writeTimeout), replyTo,
                        register -> register.getValue().version() >= stored.version()
                            ? register : register.withValue(self, stored, BY_VERSION)),
                    Written::new);
                return Behaviors.same();
              })
              .onMessage(Heard.class, heard -> {
                if (heard.response() instanceof Replicator.Changed<LWWRegister<StoredRegistry>> changed) {
                  registry.adopt(changed.get(KEY).getValue());
                }
                return Behaviors.same();
              })
              .onMessageEquals(Reload.INSTANCE, () -> {
                registry.reload().whenComplete((current, error) -> {
                  if (error != null) log.debug("stored registry not read: {}", error.toString());
                });
                return Behaviors.same();
              })
              .onMessage(Written.class, written -> {
                if (!(written.response() instanceof Replicator.UpdateSuccess)) {
                  log.debug("registry change not yet on every node ({}); gossip takes it there", written.response());
                }
                return Behaviors.same();
              })
              .build();
        })));
  }

  /** The sink for {@link ModelRegistry#publishTo}: tells {@code replica} each saved change. */
  public static Consumer<StoredRegistry> publisher(ActorRef<Command> replica) {
    return stored -> replica.tell(new Publish(stored));
  }
}
