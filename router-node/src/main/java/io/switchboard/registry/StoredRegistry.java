package io.switchboard.registry;

import io.switchboard.JsonSerializable;

/**
 * The registry as it is persisted (one row of the durable state store) and replicated to every node
 * (the value of one Distributed Data register): its canonical JSON, the version that orders changes
 * cluster-wide (the store's revision: 1 for the first seed, one more per change), and the fingerprint
 * of the configuration that last seeded it.
 *
 * @param json {@link RegistryJson#write}'s bytes as UTF-8 text, the export format: what any node can
 *     read back, whichever fields the records have gained since
 * @param seed SHA-256 of the canonical JSON of the configuration file's models and routes when they
 *     last replaced the registry
 */
public record StoredRegistry(long version, String seed, String json) implements JsonSerializable {}
