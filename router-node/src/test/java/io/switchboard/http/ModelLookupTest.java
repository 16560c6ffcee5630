package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /v1/models/{model}} describes a model as the listing does, its deployments in configuration
 * order. It used to ask the router to route the model, which took a balancing step: under
 * {@code strategy = weighted} each lookup named a deployment drawn at random as the model's primary.
 */
@Tag("integration")
class ModelLookupTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  @Test
  void aWeightedModel_isDescribedInConfigurationOrder_everyTime() throws Exception {
    TestGateway gateway = gateways.start("""
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0 }
        switchboard.providers.second { kind = simulated, simulated { latency = 0s, tokens-per-second = 0 } }
        switchboard.models = null
        switchboard.models.spread {
          strategy = weighted
          deployments = [
            { provider = simulated, upstream-model = one, weight = 1 }
            { provider = second, upstream-model = two, weight = 1 }
          ]
        }
        """);
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> one = gateway.get("/v1/models/spread");
      assertEquals(200, one.statusCode(), one.body());
      JsonNode entry = JSON.readTree(one.body());
      assertEquals("simulated", entry.path("provider").asText(), "lookup " + i + ": " + one.body());
      assertEquals("two", entry.path("deployments").get(1).path("upstream_model").asText());
    }
  }
}
