package io.switchboard.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * What an imported model or route may leave out, filled in before it is read, and the checks whose
 * failure deserves a sharper {@code param} than the record's constructor could give (a strength, one
 * price). The defaults are reference.conf's {@code switchboard.model-defaults}; the deployment's
 * {@code upstream_model} defaults to the model's name, as in the configuration file.
 */
final class RegistryDefaults {
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private RegistryDefaults() {}

  static void model(ObjectNode model, String name, String path) {
    putIfAbsent(model, "strategy", NODES.textNode("ordered"));
    putIfAbsent(model, "strengths", NODES.objectNode());
    putIfAbsent(model, "tags", NODES.arrayNode());
    JsonNode deployments = model.get("deployments");
    if (deployments == null || deployments.isNull() || (deployments.isArray() && deployments.isEmpty())) {
      throw new InvalidRegistryException(path + ".deployments",
          "A model needs at least one deployment: list it under \"deployments\" with its \"provider\".");
    }
    if (deployments.isArray()) {
      for (int i = 0; i < deployments.size(); i++) {
        if (deployments.get(i).isObject()) deployment((ObjectNode) deployments.get(i), name, path + ".deployments[" + i + "]");
      }
    }
    JsonNode strengths = model.get("strengths");
    if (strengths.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = strengths.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getValue().isNumber() && !(e.getValue().doubleValue() >= 0 && e.getValue().doubleValue() <= 1)) {
          throw new InvalidRegistryException(path + ".strengths." + e.getKey(), "Strength " + e.getKey() + " is "
              + e.getValue() + "; a strength is between 0 and 1.");
        }
      }
    }
  }

  private static void deployment(ObjectNode deployment, String model, String path) {
    JsonNode provider = deployment.get("provider");
    if (provider == null || !provider.isTextual() || provider.asText().isBlank()) {
      throw new InvalidRegistryException(path + ".provider", "A deployment names its \"provider\" (a configured provider id).");
    }
    putIfAbsent(deployment, "upstream_model", NODES.textNode(model));
    putIfAbsent(deployment, "max_output_tokens", NODES.numberNode(4096));
    putIfAbsent(deployment, "context_window", NODES.numberNode(0));
    putIfAbsent(deployment, "capabilities", NODES.arrayNode().add("tools").add("json").add("streaming"));
    putIfAbsent(deployment, "weight", NODES.numberNode(1));
    putIfAbsent(deployment, "first_token_timeout", NODES.textNode("PT0S"));
    putIfAbsent(deployment, "mid_stream_failover", NODES.booleanNode(false));
    putIfAbsent(deployment, "pricing", NODES.objectNode());
    if (deployment.get("pricing").isObject()) {
      ObjectNode pricing = (ObjectNode) deployment.get("pricing");
      for (String field : new String[] {"input_per_million", "output_per_million"}) {
        putIfAbsent(pricing, field, NODES.numberNode(0));
        JsonNode price = pricing.get(field);
        if (price.isNumber() && price.decimalValue().signum() < 0) {
          throw new InvalidRegistryException(path + ".pricing." + field,
              "A price is in USD per million tokens and must not be negative, not " + price + ".");
        }
      }
    }
  }

  static void route(ObjectNode route, String path) {
    JsonNode candidates = route.get("candidates");
    if (candidates == null || candidates.isNull() || (candidates.isArray() && candidates.isEmpty())) {
      throw new InvalidRegistryException(path + ".candidates", "A route needs at least one candidate model under \"candidates\".");
    }
    if (!route.hasNonNull("objective")) {
      throw new InvalidRegistryException(path + ".objective",
          "A route needs an \"objective\": weights {\"cost\", \"latency\", \"quality\"}, each 0 or more.");
    }
    putIfAbsent(route, "fallbacks", NODES.arrayNode());
    putIfAbsent(route, "limits", NODES.objectNode());
    if (route.get("limits").isObject()) {
      ObjectNode limits = (ObjectNode) route.get("limits");
      putIfAbsent(limits, "max_price_per_request_usd", NODES.nullNode());
      putIfAbsent(limits, "max_latency", NODES.nullNode());
      putIfAbsent(limits, "requires", NODES.arrayNode());
      putIfAbsent(limits, "context_must_fit", NODES.booleanNode(true));
    }
  }

  private static void putIfAbsent(ObjectNode node, String field, JsonNode value) {
    if (!node.hasNonNull(field)) node.set(field, value);
  }
}
