package io.switchboard.persistence;

import io.switchboard.config.PersistenceSettings;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the persistence tables at start-up from the DDL that Pekko Persistence JDBC ships for H2
 * and PostgreSQL ({@code schema/<db>/<db>-create-schema.sql}): the durable state table the
 * {@link StateStore} uses, and the journal and snapshot tables, so nobody runs DDL by hand.
 *
 * <p>The plugin's script creates what is missing and skips, quietly, statements that fail because
 * their object exists, so a second start is harmless. Because it is this quiet, {@link #create}
 * then reads from the durable state table: a table that could not be created fails start-up
 * instead of the first save.
 *
 * <p>The guardian starts provider actors only once this has completed, so they may load their state
 * straight away. Schema migrations (a later plugin version changing its tables) are not handled yet.
 */
public final class Schema {
  private static final Logger log = LoggerFactory.getLogger(Schema.class);

  /** An id no state is saved under; reading it proves the durable state table is there. */
  private static final String PROBE_ID = "switchboard-schema-probe";

  private Schema() {}

  /**
   * Logs which store is used and where, creates the data directory for H2 if needed (its owner's only:
   * {@link DataDirectory}), then the tables.
   * Fails with a {@link StateStoreException} that says what could not be reached.
   */
  public static CompletionStage<Done> create(ActorSystem<?> system, PersistenceSettings settings) {
    log.info("Persistence: {}", settings.describe());
    boolean h2 = settings.store() == PersistenceSettings.Store.H2;
    if (h2) {
      try {
        DataDirectory.prepare(settings.dataDir(), h2File(settings));
      } catch (IOException e) {
        return CompletableFuture.failedStage(new StateStoreException(
            "could not create the data directory " + settings.dataDir() + " (switchboard.persistence.data-dir)", e));
      }
    }
    return SchemaUtils.createIfNotExists(PersistenceConfig.JOURNAL_PLUGIN, system)
        .thenCompose(done -> StateStore.jdbc(system, ProbeState.class).load(PROBE_ID))
        .handle((probed, error) -> {
          if (error == null) {
            if (h2) narrow(settings);
            return Done.getInstance();
          }
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          throw new StateStoreException("could not prepare the tables in " + settings.describe() + ": "
              + rootMessage(cause), cause);
        });
  }

  /** The file H2 keeps the database in: the name it is given plus {@code .mv.db}. */
  private static java.nio.file.Path h2File(PersistenceSettings settings) {
    return settings.dataDir().resolve(PersistenceSettings.H2_DATABASE_NAME + ".mv.db");
  }

  private static void narrow(PersistenceSettings settings) {
    try {
      DataDirectory.narrow(settings.dataDir());
    } catch (IOException e) {
      throw new StateStoreException("could not list the data directory " + settings.dataDir()
          + " (switchboard.persistence.data-dir)", e);
    }
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    return root.getMessage() == null ? root.getClass().getName() : root.getMessage();
  }

  /** Never stored: the probe only proves the table can be read. */
  private record ProbeState() implements io.switchboard.JsonSerializable {}
}
