package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The live model registry through the admin API of one node: changes are served at once, without a
 * restart; bad ones are refused naming the field; a dry run only tells the difference; an export
 * imports back unchanged; and a change is still there after the node restarts.
 */
@Tag("integration")
class RegistryOverHttpTest {
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Two simulated providers, answering at once; the default model is kept. */
  private static final String CONFIG = """
      switchboard.providers.simulated.simulated.latency = 0ms
      switchboard.providers.other { kind = simulated, simulated.latency = 0ms }
      """;
  private static final String NEW_MODEL = """
      {"deployments": [{"provider": "other", "upstream_model": "fresh-1", "context_window": 32000,
        "pricing": {"input_per_million": 0.15, "output_per_million": 0.60}, "capabilities": ["tools"]}],
       "strengths": {"code": 0.8}, "tags": ["cheap"]}""";

  private static HttpResponse<String> put(TestGateway gateway, String path, String body) {
    return gateway.send(gateway.request(path).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> delete(TestGateway gateway, String path) {
    return gateway.send(gateway.request(path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> chat(TestGateway gateway, String model) {
    return gateway.post("/v1/chat/completions",
        "{\"model\":\"" + model + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  @Test
  void anAddedModel_isServedAtOnce_andListed_andARemovedOne_is404() throws Exception {
    TestGateway gateway = gateways.start(CONFIG);
    assertEquals(404, chat(gateway, "fresh").statusCode());

    HttpResponse<String> added = put(gateway, "/admin/registry/models/fresh", NEW_MODEL);

    assertEquals(200, added.statusCode(), added.body());
    assertTrue(json(added).path("applied").asBoolean(), added.body());
    assertEquals("fresh", json(added).path("changes").path("models").path("added").get(0).asText(), added.body());
    HttpResponse<String> served = chat(gateway, "fresh");
    assertEquals(200, served.statusCode(), served.body());
    assertEquals("other/fresh-1", served.headers().firstValue("x-switchboard-deployment").orElseThrow());
    JsonNode listed = json(gateway.get("/v1/models/fresh"));
    assertEquals(32000, listed.path("context_window").asInt(), listed.toString());
    assertEquals("other", listed.path("owned_by").asText(), listed.toString());

    HttpResponse<String> removed = delete(gateway, "/admin/registry/models/fresh");

    assertEquals(200, removed.statusCode(), removed.body());
    HttpResponse<String> gone = chat(gateway, "fresh");
    assertEquals(404, gone.statusCode(), gone.body());
    assertEquals("model_not_found", json(gone).path("error").path("code").asText(), gone.body());
    assertFalse(gateway.get("/v1/models").body().contains("\"fresh\""));
    assertEquals(404, delete(gateway, "/admin/registry/models/fresh").statusCode());
  }

  @Test
  void anAutoRouteAddedOrChangedAtRunTime_choosesAmongItsCandidatesAtOnce() throws Exception {
    TestGateway gateway = gateways.start(CONFIG);
    String model = """
        {"deployments": [{"provider": "other", "upstream_model": "%s"}], "strengths": {%s}}""";
    assertEquals(200, put(gateway, "/admin/registry/models/coder",
        model.formatted("coder-1", "\"code\": 0.95, \"chat\": 0.2")).statusCode());
    assertEquals(200, put(gateway, "/admin/registry/models/chatty",
        model.formatted("chatty-1", "\"code\": 0.2, \"chat\": 0.9")).statusCode());
    String route = """
        {"candidates": [%s], "objective": {"cost": 0, "latency": 0, "quality": 1}}""";
    String code = "{\"model\":\"picker\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"Fix this bug:\\n```python\\ndef f(xs):\\n    return xs[0]\\n```\"}]}";

    HttpResponse<String> added = put(gateway, "/admin/registry/routes/picker", route.formatted("\"chatty\", \"coder\""));

    assertEquals(200, added.statusCode(), added.body());
    HttpResponse<String> toCoder = gateway.post("/v1/chat/completions", code);
    assertEquals(200, toCoder.statusCode(), toCoder.body());
    assertEquals("coder", toCoder.headers().firstValue("x-switchboard-model").orElseThrow());

    assertEquals(200, put(gateway, "/admin/registry/routes/picker", route.formatted("\"chatty\"")).statusCode());
    HttpResponse<String> toChatty = gateway.post("/v1/chat/completions", code);
    assertEquals(200, toChatty.statusCode(), toChatty.body());
    assertEquals("chatty", toChatty.headers().firstValue("x-switchboard-model").orElseThrow(),
        "the route's new candidate list is used from the next request on");

    assertEquals(200, delete(gateway, "/admin/registry/routes/picker").statusCode());
    assertEquals(404, gateway.post("/v1/chat/completions", code).statusCode());
  }

  @Test
  void aChangedModel_isServedByItsNewDeployment() throws Exception {
    TestGateway gateway = gateways.start(CONFIG);
    assertTrue(chat(gateway, "switchboard-sim").headers().firstValue("x-switchboard-deployment").orElseThrow()
        .startsWith("simulated/"));

    assertEquals(200, put(gateway, "/admin/registry/models/switchboard-sim",
        "{\"deployments\": [{\"provider\": \"other\", \"upstream_model\": \"moved\"}]}").statusCode());

    HttpResponse<String> served = chat(gateway, "switchboard-sim");
    assertEquals(200, served.statusCode(), served.body());
    assertEquals("other/moved", served.headers().firstValue("x-switchboard-deployment").orElseThrow());
  }

  @Test
  void anInvalidRegistry_is400_inTheOpenAiEnvelope_namingTheField_andChangesNothing() throws Exception {
    TestGateway gateway = gateways.start(CONFIG);
    String before = gateway.get("/admin/registry").body();

    HttpResponse<String> refused = put(gateway, "/admin/registry", """
        {"models": {"gpt": {"deployments": [{"provider": "azure"}]}}}""");

    assertEquals(400, refused.statusCode(), refused.body());
    JsonNode error = json(refused).path("error");
    assertEquals("invalid_request_error", error.path("type").asText());
    assertEquals("invalid_registry", error.path("code").asText());
    assertEquals("models.gpt.deployments[0].provider", error.path("param").asText());
    assertTrue(error.path("message").asText().contains("azure"), refused.body());
    assertEquals(before, gateway.get("/admin/registry").body());

    HttpResponse<String> badStrength = put(gateway, "/admin/registry/models/x",
        "{\"deployments\": [{\"provider\": \"other\"}], \"strengths\": {\"code\": 2}}");
    assertEquals(400, badStrength.statusCode());
    assertEquals("models.x.strengths.code", json(badStrength).path("error").path("param").asText());

    HttpResponse<String> notJson = put(gateway, "/admin/registry", "{\"models\": ");
    assertEquals(400, notJson.statusCode());
    assertEquals("invalid_registry", json(notJson).path("error").path("code").asText(), notJson.body());
  }

  @Test
  void aDryRun_answersTheDifference_fieldByField_andAppliesNothing() throws Exception {
    TestGateway gateway = gateways.start(CONFIG);
    put(gateway, "/admin/registry/models/fresh", NEW_MODEL);
    JsonNode exported = json(gateway.get("/admin/registry"));
    String version = gateway.get("/admin/registry").headers().firstValue("x-switchboard-registry-version").orElseThrow();
    com.fasterxml.jackson.databind.node.ObjectNode changed = exported.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) changed.path("models").path("fresh").path("deployments").get(0)
        .path("pricing")).put("input_per_million", 0.2);
    ((com.fasterxml.jackson.databind.node.ObjectNode) changed.path("models")).remove("switchboard-sim");
    ((com.fasterxml.jackson.databind.node.ObjectNode) changed.path("models")).set("another",
        changed.path("models").path("fresh").deepCopy());

    HttpResponse<String> dryRun = put(gateway, "/admin/registry?dry-run=true", changed.toString());

    assertEquals(200, dryRun.statusCode(), dryRun.body());
    JsonNode answer = json(dryRun);
    assertFalse(answer.path("applied").asBoolean());
    assertTrue(answer.path("dry_run").asBoolean());
    JsonNode models = answer.path("changes").path("models");
    assertEquals("[\"another\"]", models.path("added").toString());
    assertEquals("[\"switchboard-sim\"]", models.path("removed").toString());
    JsonNode field = models.path("changed").path("fresh").get(0);
    assertEquals("deployments[0].pricing.input_per_million", field.path("field").asText(), answer.toString());
    assertEquals("0.15", field.path("from").asText());
    assertEquals("0.2", field.path("to").asText());
    assertEquals(200, chat(gateway, "switchboard-sim").statusCode(), "nothing was applied");
    assertEquals(404, chat(gateway, "another").statusCode(), "nothing was applied");
    assertEquals(version, gateway.get("/admin/registry").headers().firstValue("x-switchboard-registry-version").orElseThrow());
  }

  @Test
  void anExport_importedBack_changesNothing_andExportsTheSameBytes() {
    TestGateway gateway = gateways.start(CONFIG);
    put(gateway, "/admin/registry/models/fresh", NEW_MODEL);
    HttpResponse<String> first = gateway.get("/admin/registry");

    HttpResponse<String> imported = put(gateway, "/admin/registry", first.body());

    assertEquals(200, imported.statusCode(), imported.body());
    assertTrue(imported.body().contains("\"applied\" : false"), imported.body());
    HttpResponse<String> again = gateway.get("/admin/registry");
    assertEquals(first.body(), again.body());
    assertEquals(first.headers().firstValue("ETag"), again.headers().firstValue("ETag"));
  }

  @Test
  void aWholeImport_replacesTheRegistry_andBumpsItsVersion() throws Exception {
    TestGateway gateway = gateways.start(CONFIG);
    long before = Long.parseLong(gateway.get("/admin/registry").headers().firstValue("x-switchboard-registry-version").orElseThrow());

    HttpResponse<String> imported = put(gateway, "/admin/registry",
        "{\"models\": {\"only\": {\"deployments\": [{\"provider\": \"other\"}]}}}");

    assertEquals(200, imported.statusCode(), imported.body());
    assertEquals(before + 1, json(imported).path("version").asLong());
    assertEquals(200, chat(gateway, "only").statusCode());
    assertEquals(404, chat(gateway, "switchboard-sim").statusCode());
    assertTrue(gateway.get("/metrics").body().contains("switchboard_registry_version " + (before + 1)),
        "the version is a gauge");
  }

  @Test
  void theRegistry_needsTheAdminKey() {
    TestGateway gateway = gateways.start(CONFIG);

    HttpResponse<String> anonymous = gateway.send(HttpRequest.newBuilder(gateway.uri("/admin/registry")).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(401, anonymous.statusCode(), anonymous.body());
  }

  @Test
  void aChange_isStillServed_afterTheNodeRestarts() {
    TestGateway gateway = gateways.start(CONFIG);
    assertEquals(200, put(gateway, "/admin/registry/models/fresh", NEW_MODEL).statusCode());
    String exported = gateway.get("/admin/registry").body();
    gateways.shutdown();

    TestGateway restarted = gateways.start(CONFIG);

    assertEquals(exported, restarted.get("/admin/registry").body());
    assertEquals(200, chat(restarted, "fresh").statusCode());
  }

  @Test
  void anEditedConfigurationFile_seedsTheRegistryAgain_atTheNextStart() {
    TestGateway gateway = gateways.start(CONFIG);
    assertEquals(200, put(gateway, "/admin/registry/models/fresh", NEW_MODEL).statusCode());
    gateways.shutdown();

    TestGateway restarted = gateways.start(CONFIG + "switchboard.models.edited { provider = other }\n");

    assertEquals(200, chat(restarted, "edited").statusCode());
    assertEquals(404, chat(restarted, "fresh").statusCode(), "the file's models replaced the registry");
  }
}
