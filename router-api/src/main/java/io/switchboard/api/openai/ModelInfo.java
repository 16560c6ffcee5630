package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One entry of {@link ModelList}; describes a model name clients may route to.
 *
 * <p>The first four components are OpenAI's. The others are Switchboard's catalog, written only when
 * set (so a client that knows only OpenAI's shape reads the same object): the primary deployment's
 * provider, upstream model, context window, output cap, prices and capabilities; whether the model
 * can be served right now; and every deployment in the order they are tried. An entry for a route (an
 * auto route or a fan-out, which clients name like a model) carries {@code route} instead of the
 * deployment fields, and {@code owned_by} is {@code switchboard}.
 *
 * @param contextWindow prompt plus output tokens; absent when the catalog does not know it
 * @param available whether at least one deployment's provider can take a request now (for a route: whether
 *     at least one of its candidates is available)
 * @param route what a route leads to; null on a model
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelInfo(
    String id,
    String object,
    long created,
    @JsonProperty("owned_by") String ownedBy,
    String provider,
    @JsonProperty("upstream_model") String upstreamModel,
    @JsonProperty("context_window") Integer contextWindow,
    @JsonProperty("max_output_tokens") Integer maxOutputTokens,
    ModelPricing pricing,
    List<String> capabilities,
    Boolean available,
    List<ModelDeployment> deployments,
    ModelRoute route) {

  /** The value of {@code object} on a model entry. */
  public static final String OBJECT = "model";

  /** The {@code owned_by} of a route's entry: the gateway's own. */
  public static final String GATEWAY = "switchboard";

  public ModelInfo {
    capabilities = capabilities == null ? null : List.copyOf(capabilities);
    deployments = deployments == null ? null : List.copyOf(deployments);
  }

  /** An entry in OpenAI's plain shape, without catalog fields. */
  public static ModelInfo of(String id, long created, String ownedBy) {
    return new ModelInfo(id, OBJECT, created, ownedBy, null, null, null, null, null, null, null, null, null);
  }

  /**
   * A catalog entry: its top-level fields are those of {@code deployments}' first (the one that serves
   * while nothing fails), {@code owned_by} is that deployment's provider.
   */
  public static ModelInfo catalog(String id, long created, boolean available, List<ModelDeployment> deployments) {
    ModelDeployment primary = deployments.get(0);
    return new ModelInfo(id, OBJECT, created, primary.provider(), primary.provider(), primary.upstreamModel(),
        primary.contextWindow(), primary.maxOutputTokens(), primary.pricing(), primary.capabilities(), available,
        deployments, null);
  }

  /** A route's entry: the name clients send as {@code model}, and what it leads to. */
  public static ModelInfo route(String id, long created, boolean available, ModelRoute route) {
    return new ModelInfo(id, OBJECT, created, GATEWAY, null, null, null, null, null, null, available, null, route);
  }
}
