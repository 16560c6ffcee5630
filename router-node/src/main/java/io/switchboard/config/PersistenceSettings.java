package io.switchboard.config;

import com.typesafe.config.Config;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where the node keeps provider state ({@code switchboard.persistence}): an embedded H2 file under
 * {@code data-dir}, or a PostgreSQL server shared by a cluster's nodes.
 *
 * <p>The PostgreSQL password is read from the environment variable named by {@code password-env},
 * and only when {@code store = postgres}: a node on H2 never needs it.
 *
 * @param dataDir absolute; the node's own files live here (the H2 database, when {@code store = h2})
 */
public record PersistenceSettings(Store store, Path dataDir, Postgres postgres) {

  /** Name of the H2 database inside {@code data-dir}; H2 adds {@code .mv.db} to the file name. */
  public static final String H2_DATABASE_NAME = "switchboard";

  private static final String PATH = "switchboard.persistence";
  private static final String POSTGRES_URL_PREFIX = "jdbc:postgresql://";

  /** The databases a node can keep its state in. */
  public enum Store {
    /** An embedded H2 database file: one node, nothing to set up. */
    H2,
    /** A PostgreSQL server: what a cluster's nodes share. */
    POSTGRES,
    /**
     * An H2 database in memory, gone when its last connection closes: the throwaway gateway of a node's
     * warm-up ({@link #inMemory}). Not a store a configuration file can choose.
     */
    H2_MEMORY;

    private static final Store[] CONFIGURABLE = {H2, POSTGRES};

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Store parse(String value, String path) {
      for (Store store : CONFIGURABLE) {
        if (store.configName().equals(value)) return store;
      }
      String known = Arrays.stream(CONFIGURABLE).map(Store::configName).collect(Collectors.joining(", "));
      throw new SettingsException(path + " = \"" + value + "\" is not a store; use one of: " + known);
    }
  }

  /**
   * {@code switchboard.persistence.postgres}.
   *
   * @param password empty when {@code password-env} is {@code ""} (trust or peer authentication), or
   *     when the store is H2 and the password is never needed
   */
  public record Postgres(String url, String user, String passwordEnv, Optional<Secret> password, int maxConnections) {
    /** {@code host:port/database} from the URL, without its parameters: safe to log. */
    public String location() {
      String rest = url.substring(POSTGRES_URL_PREFIX.length());
      int query = rest.indexOf('?');
      return query < 0 ? rest : rest.substring(0, query);
    }
  }

  /** The H2 database path as H2 takes it: without the {@code .mv.db} suffix it adds. */
  public Path h2Database() {
    return dataDir.resolve(H2_DATABASE_NAME);
  }

  /**
   * A database in memory named {@code name} (unique in the JVM), with this one's PostgreSQL settings
   * unused: nothing of it reaches a file.
   */
  public PersistenceSettings inMemory(String name) {
    return new PersistenceSettings(Store.H2_MEMORY, Path.of(name), postgres);
  }

  /** The name of the in-memory database of {@link Store#H2_MEMORY}. */
  public String memoryName() {
    return dataDir.getFileName().toString();
  }

  /** Where the state lives, for the start-up log: never includes a password. */
  public String describe() {
    return switch (store) {
      case H2 -> "H2 database " + h2Database() + ".mv.db";
      case H2_MEMORY -> "H2 database in memory " + memoryName();
      case POSTGRES -> "PostgreSQL " + postgres.location() + " as user " + postgres.user();
    };
  }

  static PersistenceSettings from(Config p, Function<String, String> env) {
    Store store = Store.parse(p.getString("store"), PATH + ".store");
    return new PersistenceSettings(store, dataDir(p.getString("data-dir")), postgres(p.getConfig("postgres"), store, env));
  }

  private static Path dataDir(String value) {
    if (value.isBlank()) throw new SettingsException(PATH + ".data-dir is empty: name a directory the node may write to");
    try {
      return Path.of(value).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new SettingsException(PATH + ".data-dir = \"" + value + "\" is not a valid path: " + e.getReason(), e);
    }
  }

  private static Postgres postgres(Config pg, Store store, Function<String, String> env) {
    String path = PATH + ".postgres";
    String url = pg.getString("url");
    if (!url.startsWith(POSTGRES_URL_PREFIX) || url.length() == POSTGRES_URL_PREFIX.length()) {
      throw new SettingsException(path + ".url = \"" + url + "\" is not a PostgreSQL JDBC URL;"
          + " write it as " + POSTGRES_URL_PREFIX + "host:port/database");
    }
    String user = pg.getString("user");
    if (user.isBlank()) throw new SettingsException(path + ".user is empty: name the database role to connect as");
    int maxConnections = pg.getInt("max-connections");
    if (maxConnections < 1) {
      throw new SettingsException(path + ".max-connections = " + maxConnections + " must be at least 1");
    }
    String passwordEnv = pg.getString("password-env");
    Optional<Secret> password = Optional.empty();
    if (store == Store.POSTGRES && !passwordEnv.isBlank()) {
      String value = env.apply(passwordEnv);
      if (value == null || value.isBlank()) {
        throw new SettingsException(path + ".password-env names " + passwordEnv + ", which is not set: export the"
            + " database password in " + passwordEnv + ", or set password-env = \"\" for a server that asks for none");
      }
      password = Optional.of(Secret.of(value));
    }
    return new Postgres(url, user, passwordEnv, password, maxConnections);
  }
}
