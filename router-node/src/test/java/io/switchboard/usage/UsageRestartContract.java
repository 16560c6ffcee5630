package io.switchboard.usage;

import static io.switchboard.keys.KeyRequests.assertError;
import static io.switchboard.keys.KeyRequests.chatWith;
import static io.switchboard.keys.KeyRequests.createKey;
import static io.switchboard.keys.KeyRequests.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * Keys, usage records and what a key has spent survive a restart of the whole node on a real database.
 * The ledger is set never to flush on its own, so the records reach the database only through the
 * flush at coordinated shutdown ({@link GatewayExtension#shutdown()}). Subclasses choose the database.
 */
abstract class UsageRestartContract {
  private static final String HOCON = """
      switchboard.auth.mode = keys
      switchboard.http.shutdown-drain = 1s
      switchboard.usage { flush-interval = 1h, flush-records = 10000 }
      switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
      switchboard.models.dear { provider = simulated, upstream-model = "dear-1", output-price-per-million = 1000 }
      """;
  private static final String DEAR = "{\"model\":\"dear\",\"max_tokens\":10,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  /** The nodes, on the database under test. */
  abstract GatewayExtension gateways();

  @Test
  void keysUsageAndSpending_surviveARestartOfTheNode() {
    TestGateway gateway = gateways().start(HOCON);
    // $0.02: each call reserves $0.01 and costs $0.008.
    JsonNode key = createKey(gateway, "{\"name\":\"survivor\",\"budget_usd\":0.02}");
    String id = key.path("id").asText();
    String secret = key.path("key").asText();
    assertEquals(200, chatWith(gateway, "x-api-key", secret, DEAR).statusCode());
    assertEquals(200, chatWith(gateway, "x-api-key", secret, DEAR).statusCode());

    gateways().shutdown();
    TestGateway restarted = gateways().start(HOCON);

    JsonNode rows = json(restarted.get("/admin/usage?group_by=key,model,deployment,day")).path("data");
    assertEquals(1, rows.size(), rows.toString());
    JsonNode row = rows.get(0);
    assertEquals(id, row.path("key_id").asText());
    assertEquals("dear", row.path("model").asText());
    assertEquals("simulated/dear-1", row.path("deployment").asText());
    assertEquals(2, row.path("requests").asLong());
    assertEquals(16, row.path("completion_tokens").asLong());
    assertEquals(0, new BigDecimal("0.016").compareTo(new BigDecimal(row.path("cost_usd").asText())), row.toString());
    // The key still works, and remembers what it spent: $0.016 + $0.01 would pass the $0.02 cap.
    assertError(chatWith(restarted, "x-api-key", secret, DEAR), 429, "insufficient_quota");
  }
}
