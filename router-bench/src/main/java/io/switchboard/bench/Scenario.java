package io.switchboard.bench;

import java.net.URI;

/** One path from the load generator to the fake upstream: direct, through nginx, through Switchboard. */
record Scenario(String name, URI chatCompletions) {
  static Scenario at(String name, String baseUrl) {
    return new Scenario(name, URI.create(baseUrl.replaceAll("/+$", "") + "/v1/chat/completions"));
  }
}
