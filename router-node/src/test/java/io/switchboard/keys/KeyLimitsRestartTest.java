package io.switchboard.keys;

import static io.switchboard.keys.KeyRequests.assertError;
import static io.switchboard.keys.KeyRequests.chatWith;
import static io.switchboard.keys.KeyRequests.createKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A key's rate limits across a restart of the node: its actor starts with the calls the usage ledger
 * holds from the last minute already taken, as provider buckets start from their persisted levels, so a
 * restart never hands a key a fresh minute.
 */
@Tag("integration")
class KeyLimitsRestartTest {
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private static final String HOCON = """
      switchboard.auth.mode = keys
      switchboard.http.shutdown-drain = 1s
      switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
      """;
  private static final String CHAT = "{\"model\":\"switchboard-sim\",\"max_tokens\":10,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @Test
  void aKeysRequestsOfTheLastMinute_stillCountAgainstItsLimit_afterARestart() {
    TestGateway gateway = gateways.start(HOCON);
    String secret = createKey(gateway, "{\"name\":\"busy\",\"requests_per_minute\":2}").path("key").asText();
    assertEquals(200, chatWith(gateway, "x-api-key", secret, CHAT).statusCode());
    assertEquals(200, chatWith(gateway, "x-api-key", secret, CHAT).statusCode());

    gateways.shutdown();
    TestGateway restarted = gateways.start(HOCON);

    // The minute is not over (a restart takes seconds): the key has no request left in it.
    HttpResponse<String> third = chatWith(restarted, "x-api-key", secret, CHAT);
    assertError(third, 429, "rate_limit_exceeded");
    assertTrue(third.body().contains("2 requests per minute"), third.body());
  }
}
