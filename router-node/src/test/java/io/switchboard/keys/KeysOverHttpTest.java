package io.switchboard.keys;

import static io.switchboard.keys.KeyRequests.assertError;
import static io.switchboard.keys.KeyRequests.chatWith;
import static io.switchboard.keys.KeyRequests.createKey;
import static io.switchboard.keys.KeyRequests.getWith;
import static io.switchboard.keys.KeyRequests.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Virtual keys over HTTP on a gateway that requires them: the admin key guards every admin route, keys
 * are created, used, revoked, stored only as a digest, and refused with a clear 401 / 403 / 429.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeysOverHttpTest {
  private static final String CHAT = KeyRequests.CHAT;
  static final String HELLO = "{\"model\":\"switchboard-sim\",\"max_tokens\":5,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.auth.mode = keys
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.models.other { provider = simulated, upstream-model = other-1 }
        """);
  }

  @Test
  void adminRoutes_needTheAdminKey_andAVirtualKeyIsNotOne() {
    String virtual = createKey(gateway, "{\"name\":\"not-an-admin\"}").path("key").asText();
    for (String path : new String[] {"/admin/keys", "/admin/providers", "/admin/usage", "/admin/ollama/any/models"}) {
      assertError(getWith(gateway, path, null, null), 401, "invalid_admin_key");
      assertError(getWith(gateway, path, "Authorization", "Bearer wrong-admin-key"), 401, "invalid_admin_key");
      assertError(getWith(gateway, path, "Authorization", "Bearer " + virtual), 401, "invalid_admin_key");
    }
    assertEquals(200, getWith(gateway, "/admin/providers", "x-api-key", TestGateway.ADMIN_KEY).statusCode());
    assertEquals(200, getWith(gateway, "/admin/keys", "Authorization", "Bearer " + TestGateway.ADMIN_KEY).statusCode());
  }

  @Test
  void key_isCreatedShownOnce_used_andRevoked() {
    JsonNode created = createKey(gateway, """
        {"name":"team-search","allowed_models":["switchboard-sim"],"requests_per_minute":100,
         "tokens_per_minute":100000,"budget_usd":12.5,"expires_at":"2099-01-01T00:00:00Z","cache":true}""");
    String id = created.path("id").asText();
    String secret = created.path("key").asText();
    assertTrue(secret.startsWith("sk-sb-") && secret.length() == 6 + 43, secret);
    assertEquals("team-search", created.path("name").asText());
    assertEquals("active", created.path("status").asText());
    assertEquals(12.5, created.path("budget_usd").asDouble());
    assertTrue(created.path("cache").asBoolean());

    HttpResponse<String> list = gateway.get("/admin/keys");
    assertEquals(200, list.statusCode());
    assertFalse(list.body().contains(secret), "the list shows a secret");
    assertFalse(list.body().contains(KeySecrets.hash(secret)), "the list shows a digest");
    for (JsonNode key : json(list).path("data")) assertFalse(key.has("key"), key.toString());
    HttpResponse<String> one = gateway.get("/admin/keys/" + id);
    assertEquals("2099-01-01T00:00:00Z", json(one).path("expires_at").asText());
    assertFalse(one.body().contains(secret));

    assertEquals(200, chatWith(gateway, "Authorization", "Bearer " + secret, HELLO).statusCode());
    assertEquals(200, chatWith(gateway, "x-api-key", secret, HELLO).statusCode());
    assertEquals(200, getWith(gateway, "/v1/models", "x-api-key", secret).statusCode());

    HttpResponse<String> revoked = gateway.send(gateway.request("/admin/keys/" + id).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals("revoked", json(revoked).path("status").asText(), revoked.body());
    HttpResponse<String> refused = chatWith(gateway, "Authorization", "Bearer " + secret, HELLO);
    assertError(refused, 401, "invalid_api_key");
    assertTrue(json(refused).path("error").path("message").asText().contains("revoked"), refused.body());
    assertFalse(refused.body().contains(secret), "the refusal echoes the key");
    assertError(gateway.send(gateway.request("/admin/keys/key_nope").DELETE().build(),
        HttpResponse.BodyHandlers.ofString()), 404, "key_not_found");
  }

  @Test
  void theTableHoldsTheDigest_neverTheSecret() throws Exception {
    JsonNode created = createKey(gateway, "{\"name\":\"stored\"}");
    String secret = created.path("key").asText();
    try (Connection c = h2(); PreparedStatement s = c.prepareStatement("SELECT * FROM " + KeyStore.TABLE + " WHERE id = ?")) {
      s.setString(1, created.path("id").asText());
      try (ResultSet row = s.executeQuery()) {
        assertTrue(row.next());
        for (int col = 1; col <= row.getMetaData().getColumnCount(); col++) {
          String value = row.getString(col);
          assertFalse(value != null && value.contains(secret.substring(6)), "column " + row.getMetaData().getColumnName(col));
        }
        assertEquals(KeySecrets.hash(secret), row.getString("secret_sha256"));
      }
    }
  }

  @Test
  void missingUnknownOrExpiredKey_is401_sayingWhatToDo() throws Exception {
    assertError(gateway.post(CHAT, HELLO), 401, "missing_api_key");
    assertError(chatWith(gateway, "Authorization", "Bearer sk-sb-not-a-key", HELLO), 401, "invalid_api_key");
    assertError(getWith(gateway, "/v1/models", null, null), 401, "missing_api_key");
    String secret = KeySecrets.newSecret();
    try (Connection c = h2(); Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO " + KeyStore.TABLE + " (id, name, secret_sha256, allowed_models, requests_per_minute,"
          + " tokens_per_minute, cache_enabled, created_at_ms, expires_at_ms) VALUES ('key_expired', 'old', '"
          + KeySecrets.hash(secret) + "', '[]', 0, 0, FALSE, 0, " + Instant.parse("2026-01-01T00:00:00Z").toEpochMilli() + ")");
      c.commit();
    }
    HttpResponse<String> expired = chatWith(gateway, "x-api-key", secret, HELLO);
    assertError(expired, 401, "invalid_api_key");
    assertTrue(json(expired).path("error").path("message").asText().contains("expired"), expired.body());
  }

  @Test
  void modelTheKeyMayNotUse_is403() {
    String secret = createKey(gateway, "{\"name\":\"only-other\",\"allowed_models\":[\"other\"]}").path("key").asText();
    assertError(chatWith(gateway, "x-api-key", secret, HELLO), 403, "model_not_allowed");
    assertEquals(200, chatWith(gateway, "x-api-key", secret, HELLO.replace("switchboard-sim", "other")).statusCode());
    // The catalog shows the key only the models it may use.
    JsonNode listed = json(getWith(gateway, "/v1/models", "x-api-key", secret)).path("data");
    assertEquals(1, listed.size(), listed.toString());
    assertEquals("other", listed.get(0).path("id").asText());
    assertError(getWith(gateway, "/v1/models/switchboard-sim", "x-api-key", secret), 404, "model_not_found");
  }

  @Test
  void keyOverItsRequestsPerMinute_is429WithRetryAfter() {
    String secret = createKey(gateway, "{\"name\":\"slow\",\"requests_per_minute\":2}").path("key").asText();
    assertEquals(200, chatWith(gateway, "x-api-key", secret, HELLO).statusCode());
    assertEquals(200, chatWith(gateway, "x-api-key", secret, HELLO).statusCode());
    HttpResponse<String> third = chatWith(gateway, "x-api-key", secret, HELLO);
    assertError(third, 429, "rate_limit_exceeded");
    long retryAfter = Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retryAfter >= 1 && retryAfter <= 30, "Retry-After " + retryAfter);
    // Another key is not held back by this one's limit.
    String other = createKey(gateway, "{\"name\":\"fast\"}").path("key").asText();
    assertEquals(200, chatWith(gateway, "x-api-key", other, HELLO).statusCode());
  }

  @Test
  void invalidKeyRequests_are400NamingTheField() {
    assertError(gateway.post("/admin/keys", "{}"), 400, "invalid_value");
    HttpResponse<String> unknownModel = gateway.post("/admin/keys", "{\"name\":\"x\",\"allowed_models\":[\"nope\"]}");
    assertError(unknownModel, 400, "invalid_value");
    assertEquals("allowed_models", json(unknownModel).path("error").path("param").asText());
    assertEquals("expires_at", json(gateway.post("/admin/keys", "{\"name\":\"x\",\"expires_at\":\"tomorrow\"}"))
        .path("error").path("param").asText());
    assertError(gateway.post("/admin/keys", "{\"name\":\"x\",\"budget_usd\":-1}"), 400, "invalid_value");
    assertError(gateway.post("/admin/keys", "not json"), 400, "invalid_body");
  }

  private Connection h2() throws Exception {
    Connection c = DriverManager.getConnection("jdbc:h2:file:" + gateways.dataDir().resolve("switchboard")
        + ";DATABASE_TO_UPPER=FALSE;DB_CLOSE_ON_EXIT=FALSE", "sa", "");
    c.setAutoCommit(false);
    return c;
  }
}
