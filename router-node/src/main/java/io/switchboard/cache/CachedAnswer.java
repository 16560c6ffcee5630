package io.switchboard.cache;

import org.apache.pekko.util.ByteString;

/**
 * A stored answer: the chat completion's JSON bytes as the client first received them, and the
 * deployment that produced them (the hit names it in {@code x-switchboard-deployment}).
 */
public record CachedAnswer(ByteString body, String deployment) {}
