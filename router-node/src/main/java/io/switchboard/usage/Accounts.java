package io.switchboard.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.PersistenceSettings;
import io.switchboard.keys.ApiKeys;
import io.switchboard.keys.KeyAdmission;
import io.switchboard.keys.KeyDirectory;
import io.switchboard.keys.KeyEntities;
import io.switchboard.keys.KeyState;
import io.switchboard.keys.KeyStore;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.JdbcPool;
import io.switchboard.persistence.StateStoreException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything keys and usage need on a node, wired once by the guardian: the connection pool and tables,
 * the usage ledger, the key actors' registry, and what the request path and the routes use of them.
 *
 * <pre>{@code
 * Accounts.prepare(system, settings.persistence(), mapper)          // tables exist, or start-up fails
 *     .thenAccept(pool -> Accounts.start(context, settings, pool, mapper, clock));
 * }</pre>
 */
public record Accounts(
    AccessSettings access, KeyDirectory directory, KeyAdmission admission, ActorRef<UsageLedger.Command> ledger,
    Metering metering, UsageReports reports) {
  private static final Logger log = LoggerFactory.getLogger(Accounts.class);

  static final Duration SPENT_WAIT = Duration.ofSeconds(10);
  /** The window of a key's rate limits: what it used in it is taken from them when its actor starts. */
  static final Duration RECENT = Duration.ofMinutes(1);

  /** Whether {@code /v1} needs a key on this node, decided once from the settings and the bound host. */
  public record AccessSettings(io.switchboard.config.AuthSettings auth, boolean keysRequired) {}

  /** Opens the pool and creates the key and usage tables; fails as start-up fails when the database does. */
  public static CompletionStage<JdbcPool> prepare(ActorSystem<?> system, PersistenceSettings persistence,
      ObjectMapper mapper) {
    JdbcPool pool = JdbcPool.open(system, persistence);
    system.getWhenTerminated().thenRun(pool::close);
    return pool.runSteps(() -> createTables(pool, mapper)).exceptionally(error -> {
      pool.close();
      Throwable cause = error.getCause() != null ? error.getCause() : error;
      throw new StateStoreException("could not create the key and usage tables in " + persistence.describe() + ": "
          + cause.getMessage(), cause);
    });
  }

  /** Attempts at creating the tables: nodes of a cluster that start together race to create them. */
  static final int CREATE_ATTEMPTS = 3;

  /**
   * Creates the tables, each in its own transaction under the schema lock ({@link #lockSchema}). Should a
   * transaction still fail (two nodes running {@code CREATE TABLE IF NOT EXISTS} at the same moment can both
   * miss the other's table), a second attempt finds the table and does nothing.
   */
  private static JdbcPool createTables(JdbcPool pool, ObjectMapper mapper) {
    for (int attempt = 1; ; attempt++) {
      try {
        pool.runNow(c -> {
          lockSchema(c);
          new KeyStore(mapper).createTable(c);
          return null;
        });
        pool.runNow(c -> {
          lockSchema(c);
          new UsageStore().createTable(c);
          return null;
        });
        return pool;
      } catch (StateStoreException e) {
        if (attempt >= CREATE_ATTEMPTS) throw e;
      }
    }
  }

  /** The PostgreSQL advisory lock that nodes starting together take around their DDL. */
  static final long SCHEMA_LOCK = 0x5377_6974_6368_4442L;

  /**
   * On PostgreSQL, waits for the cluster-wide schema lock, held until this transaction ends: nodes that
   * start together then create and migrate the tables one after another, where at the same moment their
   * {@code ALTER TABLE}s can deadlock and fail a node's start. H2 is one node's alone.
   */
  private static void lockSchema(java.sql.Connection c) throws java.sql.SQLException {
    if (!"PostgreSQL".equals(c.getMetaData().getDatabaseProductName())) return;
    try (java.sql.Statement lock = c.createStatement()) {
      lock.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
    }
  }

  public static Accounts start(ActorContext<?> context, SwitchboardSettings settings, JdbcPool pool, ObjectMapper mapper,
      Clock clock) {
    ActorSystem<?> system = context.getSystem();
    KeyStore keys = new KeyStore(mapper);
    UsageStore usage = new UsageStore();
    UsageSpool.Location spool = settings.usage().spools(settings.persistence().store())
        ? UsageSpool.at(settings.persistence().dataDir().resolve(UsageSpool.DIRECTORY), mapper) : null;
    ActorRef<UsageLedger.Command> ledger =
        context.spawn(UsageLedger.create(pool, usage, settings.usage(), spool), "usage-ledger");
    KeyState.Loader loader = keyId -> pool.run(c -> keys.byId(c, keyId)).thenCombine(
        AskPattern.<UsageLedger.Command, StatusReply<UsageStore.Spending>>ask(ledger,
                replyTo -> new UsageLedger.SpentBy(keyId, clock.millis() - RECENT.toMillis(), replyTo), SPENT_WAIT,
                system.scheduler())
            .thenApply(StatusReply::getValue),
        (key, used) -> key.map(k -> new KeyState(k.requestsPerMinute(), k.tokensPerMinute(), k.budgetUsd(),
                used.spentUsd(), used.recentCalls(), used.recentTokens()))
            .orElse(new KeyState(0, 0, Optional.empty(), used.spentUsd())));
    KeyEntities entities = settings.cluster().enabled()
        ? ApiKeys.initSharding(system, loader, clock)
        : KeyEntities.local(context.spawn(ApiKeys.create(loader, clock), "api-keys"), system.scheduler());
    KeyAdmission admission = new KeyAdmission(entities);
    KeyDirectory directory = new KeyDirectory(pool, keys, clock, settings.auth().keyCacheTtl(), entities::forget);
    boolean keysRequired = settings.auth().keysRequired(settings.http().host());
    warnAtStartUp(settings, keysRequired);
    return new Accounts(new AccessSettings(settings.auth(), keysRequired), directory, admission, ledger,
        new Metering(admission, ledger, mapper, clock, settings.usage(), system.scheduler()),
        new UsageReports(pool, usage, ledger, system.scheduler()));
  }

  private static void warnAtStartUp(SwitchboardSettings settings, boolean keysRequired) {
    if (!keysRequired) {
      log.warn("*** Switchboard is running OPEN: /v1 requests need no API key (switchboard.auth.mode = {}, listening on"
          + " {}). Anyone who can reach {}:{} can use every model. Set switchboard.auth.mode = keys and create keys"
          + " with POST /admin/keys before letting anyone else in. ***", settings.auth().mode().configName(),
          settings.http().host(), settings.http().host(), settings.http().port());
    }
    if (settings.auth().adminKey().isEmpty()) {
      log.warn("No admin key: {} is not set, so /admin routes answer 403 until it is (switchboard.auth.admin-key-env)",
          settings.auth().adminKeyEnv());
    }
  }
}
