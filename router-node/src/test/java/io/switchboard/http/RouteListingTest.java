package io.switchboard.http;

import static io.switchboard.keys.KeyRequests.createKey;
import static io.switchboard.keys.KeyRequests.getWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The names a client may send as {@code model} that are routes, not models (auto routes and fan-outs),
 * are in {@code GET /v1/models} too: a client that fills its model picker from the listing (a chat UI,
 * an SDK's model list) can choose them. Before, the listing held models only, so a route could be used
 * only by a client told its name some other way.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteListingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start(ModelCatalogTest.BROKEN_PROVIDER + """
        switchboard.models = null
        switchboard.models {
          fast { provider = simulated, upstream-model = fast-1 }
          careful { provider = simulated, upstream-model = careful-1 }
          down { provider = broken, upstream-model = down-1 }
        }
        switchboard.routes {
          smart { candidates = [careful, fast] }
          doomed { candidates = [down] }
        }
        switchboard.fan-outs.race { strategy = first, candidates = [fast, careful] }
        """);
    // One failing call opens the breaker of "down", the only candidate of "doomed".
    HttpResponse<String> failed = gateway.post("/v1/chat/completions",
        "{\"model\":\"down\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertEquals(502, failed.statusCode(), failed.body());
  }

  private static List<String> ids(HttpResponse<String> listing) throws Exception {
    assertEquals(200, listing.statusCode(), listing.body());
    List<String> ids = new ArrayList<>();
    for (JsonNode entry : JSON.readTree(listing.body()).path("data")) ids.add(entry.path("id").asText());
    return ids;
  }

  private JsonNode entry(String id) throws Exception {
    for (JsonNode entry : JSON.readTree(gateway.get("/v1/models").body()).path("data")) {
      if (entry.path("id").asText().equals(id)) return entry;
    }
    throw new AssertionError(id + " is not listed");
  }

  @Test
  void autoRoutesAndFanOuts_followTheModels_eachSayingWhatItLeadsTo() throws Exception {
    assertEquals(List.of("careful", "down", "fast", "doomed", "race", "smart"), ids(gateway.get("/v1/models")));

    JsonNode smart = entry("smart");
    assertEquals("model", smart.path("object").asText());
    assertEquals("switchboard", smart.path("owned_by").asText());
    assertEquals("auto", smart.path("route").path("kind").asText());
    assertEquals(JSON.readTree("[\"careful\",\"fast\"]"), smart.path("route").path("candidates"));
    assertFalse(smart.path("route").has("strategy"));
    assertFalse(smart.has("provider"), "a route has no deployment of its own: " + smart);
    assertTrue(smart.path("available").asBoolean());

    JsonNode race = entry("race");
    assertEquals("fan_out", race.path("route").path("kind").asText());
    assertEquals("first", race.path("route").path("strategy").asText());
    assertEquals(JSON.readTree("[\"fast\",\"careful\"]"), race.path("route").path("candidates"));

    assertFalse(entry("doomed").path("available").asBoolean(), "its only candidate's breaker is open");
    assertFalse(entry("fast").has("route"), "a model carries no route");
  }

  @Test
  void aRoute_isFoundByName_andFilteredLikeAModel() throws Exception {
    HttpResponse<String> one = gateway.get("/v1/models/smart");
    assertEquals(200, one.statusCode(), one.body());
    assertEquals("auto", JSON.readTree(one.body()).path("route").path("kind").asText());

    assertEquals(List.of("smart"), ids(gateway.get("/v1/models?q=SMA")), "q matches a route's name");
    assertEquals(List.of("careful", "fast"), ids(gateway.get("/v1/models?provider=simulated")),
        "a route has no provider of its own: a provider filter leaves routes out");
    assertEquals(List.of("fast", "down", "careful", "smart", "race", "doomed"),
        ids(gateway.get("/v1/models?order=desc")), "the routes still follow the models");
  }

  @Test
  void anthropicsShapedListing_namesTheRoutesToo() throws Exception {
    HttpResponse<String> page = getWith(gateway, "/v1/models?limit=10", "anthropic-version", "2023-06-01");
    assertEquals(200, page.statusCode(), page.body());
    List<String> ids = new ArrayList<>();
    for (JsonNode model : JSON.readTree(page.body()).path("data")) ids.add(model.path("id").asText());
    assertEquals(List.of("careful", "down", "fast", "doomed", "race", "smart"), ids);
    HttpResponse<String> one = getWith(gateway, "/v1/models/race", "anthropic-version", "2023-06-01");
    assertEquals(200, one.statusCode(), one.body());
    assertEquals("race", JSON.readTree(one.body()).path("display_name").asText());
  }

  /** A key may be limited to a route (docs/routing.md): before, creating one was refused as naming no model. */
  @Test
  void aKey_seesOnlyTheRoutesItMayUse_andMayBeLimitedToARoute() throws Exception {
    String modelsOnly = createKey(gateway, "{\"name\":\"models-only\",\"allowed_models\":[\"fast\"]}")
        .path("key").asText();
    assertEquals(List.of("fast"), ids(getWith(gateway, "/v1/models", "x-api-key", modelsOnly)));
    assertEquals(404, getWith(gateway, "/v1/models/smart", "x-api-key", modelsOnly).statusCode());

    String routeOnly = createKey(gateway, "{\"name\":\"route-only\",\"allowed_models\":[\"smart\"]}")
        .path("key").asText();
    assertEquals(List.of("smart"), ids(getWith(gateway, "/v1/models", "x-api-key", routeOnly)));
    HttpResponse<String> viaRoute = gateway.send(gateway.request("/v1/chat/completions")
        .header("Content-Type", "application/json").header("x-api-key", routeOnly)
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"smart\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, viaRoute.statusCode(), viaRoute.body());
  }
}
