package io.switchboard.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.persistence.StaleRevisionException;
import io.switchboard.persistence.StateStore;
import io.switchboard.routing.ModelRouter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's live model registry: the models and auto routes it serves, changed at run time through
 * the admin API, persisted, and (in a cluster) replicated to every node.
 *
 * <p>Writes are ordered by the database, not by an actor: a change is saved in the durable state
 * store at the next revision, which succeeds for exactly one writer in the whole cluster; a writer
 * that lost (another node changed the registry first) reloads and applies its change again to the
 * newer registry. A saved change is then adopted here (the {@link ModelRouter} swaps to a new
 * snapshot) and handed to the publisher, which in a cluster is the node's {@link RegistryReplica}.
 * Nodes adopt only versions newer than their own, so late or repeated news is harmless.
 *
 * <p>Reads cost nothing: the request path reads the router's snapshot; {@link #current()} is a
 * volatile read.
 */
public final class ModelRegistry {
  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
  /** Tries of one change when other nodes keep winning the race to the next revision. */
  private static final int ATTEMPTS = 10;
  /** The last change started on this node; the next one starts after it ends. */
  private CompletableFuture<?> changes = CompletableFuture.completedFuture(null);

  private final StateStore<StoredRegistry> store;
  private final RegistryJson json;
  private final RegistryRules rules;
  private final ModelRouter router;
  private volatile Current current;
  private volatile Consumer<StoredRegistry> publisher = stored -> {};

  /** The registry served now, with the form it was stored and replicated in. */
  public record Current(StoredRegistry stored, Registry registry) {
    public long version() {
      return stored.version();
    }
  }

  /**
   * What a change did, or (dry run, or nothing to change) would do.
   *
   * @param version the registry's version after it (unchanged when not applied)
   * @param difference {@link RegistryDiff#between} the registry before and after
   * @param applied whether it was saved and is served now
   */
  public record Change(long version, ObjectNode difference, boolean applied) {}

  /**
   * @param initial the registry {@link RegistrySeed} loaded or seeded; served at once
   */
  public ModelRegistry(StateStore<StoredRegistry> store, RegistryJson json, RegistryRules rules, ModelRouter router,
      StoredRegistry initial) {
    this.store = store;
    this.json = json;
    this.rules = rules;
    this.router = router;
    Registry registry = json.read(initial.json().getBytes(StandardCharsets.UTF_8));
    rules.check(registry);
    router.update(registry.models(), registry.routes());
    this.current = new Current(initial, registry);
  }

  public Current current() {
    return current;
  }

  public RegistryJson json() {
    return json;
  }

  /** Where saved changes are told from now on (a cluster's replica); nothing is told by default. */
  public void publishTo(Consumer<StoredRegistry> publisher) {
    this.publisher = publisher;
  }

  /**
   * Applies {@code edit} to the registry served now, checks the result, saves it and serves it; with
   * {@code dryRun}, or when the edit changes nothing, only answers the difference. The edit may throw
   * {@link InvalidRegistryException} (or another refusal of the caller's); the stage then fails with it.
   */
  public CompletionStage<Change> change(UnaryOperator<Registry> edit, boolean dryRun) {
    // One change at a time on this node: they would only race each other for the store's next revision.
    synchronized (this) {
      CompletableFuture<Change> next = changes.handle((ignored, failed) -> null)
          .thenCompose(ignored -> attempt(edit, dryRun, 1)).toCompletableFuture();
      changes = next;
      return next;
    }
  }

  private CompletionStage<Change> attempt(UnaryOperator<Registry> edit, boolean dryRun, int attempt) {
    Current base = current;
    Registry next;
    ObjectNode difference;
    try {
      next = edit.apply(base.registry());
      rules.check(next);
      difference = RegistryDiff.between(json.tree(base.registry()), json.tree(next));
    } catch (RuntimeException refused) {
      return CompletableFuture.failedFuture(refused);
    }
    if (dryRun || RegistryDiff.isEmpty(difference)) {
      return CompletableFuture.completedFuture(new Change(base.version(), difference, false));
    }
    StoredRegistry stored = new StoredRegistry(base.version() + 1, base.stored().seed(),
        new String(json.write(next), StandardCharsets.UTF_8));
    return store.save(RegistrySeed.PERSISTENCE_ID, stored.version(), stored)
        .thenApply(done -> {
          adopt(stored, next);
          publisher.accept(stored);
          log.info("model registry changed to version {}: {} models, {} routes", stored.version(),
              next.models().size(), next.routes().size());
          return new Change(stored.version(), difference, true);
        })
        .exceptionallyCompose(error -> {
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          if (!(cause instanceof StaleRevisionException) || attempt >= ATTEMPTS) return CompletableFuture.failedStage(cause);
          // Another node saved a change first: catch up with it, then apply this edit to that.
          return store.load(RegistrySeed.PERSISTENCE_ID).thenCompose(latest -> {
            latest.ifPresent(s -> adopt(s.value()));
            return attempt(edit, dryRun, attempt + 1);
          });
        });
  }

  /** Reads the stored registry and serves it when it is newer than what is served. */
  public CompletionStage<Current> reload() {
    return store.load(RegistrySeed.PERSISTENCE_ID).thenApply(stored -> {
      stored.ifPresent(s -> adopt(s.value()));
      return current;
    });
  }

  /**
   * Serves {@code stored} when it is newer than what is served: a change saved by another node, as
   * replicated or reloaded. One this node cannot serve (it names a provider this node lacks: the nodes'
   * configuration files differ) is logged and skipped.
   */
  public void adopt(StoredRegistry stored) {
    if (stored.version() <= current.version()) return;
    Registry registry;
    try {
      registry = json.read(stored.json().getBytes(StandardCharsets.UTF_8));
      rules.check(registry);
    } catch (InvalidRegistryException e) {
      log.error("model registry version {} is not served on this node: {} ({}). Configure the same providers on"
          + " every node.", stored.version(), e.getMessage(), e.param());
      return;
    }
    adopt(stored, registry);
  }

  private synchronized void adopt(StoredRegistry stored, Registry registry) {
    if (stored.version() <= current.version()) return;
    router.update(registry.models(), registry.routes());
    current = new Current(stored, registry);
  }

  /** {@code switchboard.registry.version}, {@code .models} and {@code .routes} gauges on {@code meters}. */
  public void bindTo(MeterRegistry meters) {
    Gauge.builder("switchboard.registry.version", this, r -> r.current().version())
        .description("Version of the model registry this node serves").register(meters);
    Gauge.builder("switchboard.registry.models", this, r -> r.current().registry().models().size())
        .description("Models in the registry this node serves").register(meters);
    Gauge.builder("switchboard.registry.routes", this, r -> r.current().registry().routes().size())
        .description("Auto routes in the registry this node serves").register(meters);
  }
}
