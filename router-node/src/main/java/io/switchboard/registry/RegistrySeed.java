package io.switchboard.registry;

import io.switchboard.config.RegistrySettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.StaleRevisionException;
import io.switchboard.persistence.StateStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry a node starts with: the stored one, or the configuration file's models and routes when
 * nothing is stored, when the file changed since it last seeded ({@code registry.seed =
 * config-changed}), or when the stored one cannot be served here. Nodes of a cluster starting together
 * race to the first revision; the losers load what the winner stored.
 */
public final class RegistrySeed {
  private static final Logger log = LoggerFactory.getLogger(RegistrySeed.class);
  /** The registry's one row in the durable state store. */
  static final String PERSISTENCE_ID = "switchboard-registry";
  private static final int ATTEMPTS = 5;

  private RegistrySeed() {}

  public static CompletionStage<StoredRegistry> load(StateStore<StoredRegistry> store, SwitchboardSettings settings,
      RegistryJson json, RegistryRules rules) {
    Registry configured = Registry.of(settings);
    String file = new String(json.write(configured), StandardCharsets.UTF_8);
    return attempt(store, settings.registry().seed(), file, fingerprint(file), json, rules, 1);
  }

  private static CompletionStage<StoredRegistry> attempt(StateStore<StoredRegistry> store, RegistrySettings.Seed mode,
      String file, String seed, RegistryJson json, RegistryRules rules, int attempt) {
    return store.load(PERSISTENCE_ID).thenCompose(loaded -> {
      if (loaded.isEmpty()) {
        return save(store, new StoredRegistry(1, seed, file), mode, file, seed, json, rules, attempt);
      }
      StoredRegistry stored = loaded.get().value();
      String unusable = unusable(stored, json, rules);
      if (unusable != null) {
        log.error("the stored model registry (version {}) cannot be served on this node ({}); the configuration"
            + " file's models and routes replace it", stored.version(), unusable);
      } else if (mode == RegistrySettings.Seed.CONFIG_CHANGED && !seed.equals(stored.seed())) {
        log.warn("the configuration file's models or routes changed since they last seeded the model registry:"
            + " they replace it (version {} becomes {}; changes made through /admin/registry are replaced too)",
            stored.version(), stored.version() + 1);
      } else {
        log.info("model registry loaded: version {}", stored.version());
        return CompletableFuture.completedFuture(stored);
      }
      return save(store, new StoredRegistry(stored.version() + 1, seed, file), mode, file, seed, json, rules, attempt);
    });
  }

  /** Saves a seed; a node that lost the race to it takes what the winner stored instead. */
  private static CompletionStage<StoredRegistry> save(StateStore<StoredRegistry> store, StoredRegistry seeded,
      RegistrySettings.Seed mode, String file, String seed, RegistryJson json, RegistryRules rules, int attempt) {
    return store.save(PERSISTENCE_ID, seeded.version(), seeded)
        .thenApply(done -> {
          log.info("model registry seeded from the configuration file (version {})", seeded.version());
          return seeded;
        })
        .exceptionallyCompose(error -> {
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          if (!(cause instanceof StaleRevisionException) || attempt >= ATTEMPTS) return CompletableFuture.failedStage(cause);
          return attempt(store, mode, file, seed, json, rules, attempt + 1);
        });
  }

  /** Why {@code stored} cannot be served here, or null when it can. */
  private static String unusable(StoredRegistry stored, RegistryJson json, RegistryRules rules) {
    try {
      rules.check(json.read(stored.json().getBytes(StandardCharsets.UTF_8)));
      return null;
    } catch (InvalidRegistryException e) {
      return e.param() + ": " + e.getMessage();
    }
  }

  static String fingerprint(String canonicalJson) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(canonicalJson.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
