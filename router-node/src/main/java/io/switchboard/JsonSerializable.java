package io.switchboard;

/**
 * Marker for every message that may cross nodes. Bound to Pekko's Jackson serializer in
 * {@code reference.conf}, so a message type that implements it needs no serializer of its own.
 */
public interface JsonSerializable {}
