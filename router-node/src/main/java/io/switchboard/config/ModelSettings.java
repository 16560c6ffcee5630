package io.switchboard.config;

/**
 * A model clients may ask for by {@code name}, served by {@code provider} under the upstream's own
 * {@code upstreamModel} name.
 */
public record ModelSettings(String name, String provider, String upstreamModel) {}
