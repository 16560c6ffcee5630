package io.switchboard.keys;

import static io.switchboard.keys.KeyRequests.assertError;
import static io.switchboard.keys.KeyRequests.chatWith;
import static io.switchboard.keys.KeyRequests.getWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The default configuration on 127.0.0.1, with no admin key set: the README's curl works without a
 * key, a dummy key as OpenAI SDKs send one is ignored, and admin routes say how to enable them.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenGatewayTest {
  private static final String HELLO = "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start(
        "switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0 }",
        Map.of(TestGateway.ADMIN_KEY_ENV, ""));
  }

  @Test
  void onLoopback_byDefault_noKeyIsNeeded_andADummyKeyIsIgnored() {
    assertEquals(200, gateway.post("/v1/chat/completions", HELLO).statusCode());
    assertEquals(200, chatWith(gateway, "Authorization", "Bearer sk-dummy", HELLO).statusCode());
    assertError(gateway.get("/v1/usage"), 401, "missing_api_key");
  }

  @Test
  void withoutAnAdminKey_adminRoutesAre403_sayingHowToSetOne() {
    for (String path : new String[] {"/admin/keys", "/admin/providers"}) {
      var response = getWith(gateway, path, "Authorization", "Bearer anything");
      assertError(response, 403, "admin_disabled");
      assertEquals(true, KeyRequests.json(response).path("error").path("message").asText()
          .contains(TestGateway.ADMIN_KEY_ENV), response.body());
    }
  }
}
