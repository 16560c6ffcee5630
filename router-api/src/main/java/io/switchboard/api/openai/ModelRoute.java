package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What a {@link ModelInfo} entry that is a route rather than a model leads to: Switchboard's own field,
 * {@code route}, absent on models.
 *
 * @param kind {@code auto}: an auto route, which picks one candidate per request for its task and
 *     objective; {@code fan_out}: a fan-out, which sends each request to several candidates and makes
 *     one answer of theirs
 * @param strategy a fan-out's way of making one answer ({@code first}, {@code vote}, {@code judge},
 *     {@code fuse}); absent for an auto route
 * @param candidates the models it may send a request to, in its configured order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelRoute(String kind, String strategy, List<String> candidates) {
  public static final String AUTO = "auto";
  public static final String FAN_OUT = "fan_out";

  public ModelRoute {
    candidates = candidates == null ? null : List.copyOf(candidates);
  }
}
