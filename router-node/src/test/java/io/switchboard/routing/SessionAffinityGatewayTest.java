package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A conversation keeps to one deployment of a randomly balanced model while it serves, moves when it
 * fails or its breaker is open, and stays where it moved.
 */
@Tag("integration")
class SessionAffinityGatewayTest {
  @RegisterExtension static final FakeOpenAi primary = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi secondary = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  /**
   * A gateway whose providers are named {@code primary<suffix>} and {@code secondary<suffix>}: the tests of
   * this class share one database, and a breaker one test opened would stay open for the next.
   */
  private TestGateway gateway(String suffix) {
    return gateways.start("""
        switchboard.provider-defaults {
          retries { max-attempts = 1 }
          breaker { consecutive-failures = 1, reset-timeout = 10m, max-reset-timeout = 20m }
        }
        switchboard.providers.primary%1$s { kind = openai, openai.base-url = "%2$s" }
        switchboard.providers.secondary%1$s { kind = openai, openai.base-url = "%3$s" }
        switchboard.models.chat {
          strategy = weighted
          deployments = [
            { provider = primary%1$s, upstream-model = "gpt-4o", weight = 1 },
            { provider = secondary%1$s, upstream-model = "gpt-4o", weight = 1 }
          ]
        }
        """.formatted(suffix, primary.baseUrl(), secondary.baseUrl()));
  }

  private static final String BODY = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  private static String servedBy(TestGateway gateway, String session) {
    HttpRequest.Builder request = gateway.request("/v1/chat/completions").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(BODY));
    if (session != null) request.header("x-switchboard-session", session);
    HttpResponse<String> response = gateway.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return response.headers().firstValue("x-switchboard-deployment").orElseThrow();
  }

  private static String servedByUser(TestGateway gateway, String user) {
    HttpResponse<String> response = gateway.post("/v1/chat/completions",
        "{\"model\":\"chat\",\"user\":\"" + user + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertEquals(200, response.statusCode(), response.body());
    return response.headers().firstValue("x-switchboard-deployment").orElseThrow();
  }

  private static String servedByAnthropicUser(TestGateway gateway, String user) {
    HttpResponse<String> response = gateway.post("/v1/messages", "{\"model\":\"chat\",\"max_tokens\":20,"
        + "\"metadata\":{\"user_id\":\"" + user + "\"},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertEquals(200, response.statusCode(), response.body());
    return response.headers().firstValue("x-switchboard-deployment").orElseThrow();
  }

  @Test
  void aConversation_keepsToOneDeployment_whileTheStrategyDrawsAtRandom() {
    TestGateway gateway = gateway("-a");
    Set<String> unpinned = new HashSet<>();
    for (int i = 0; i < 40; i++) unpinned.add(servedBy(gateway, null));
    assertEquals(2, unpinned.size(), "without a session, the weighted strategy uses both deployments");

    for (String session : new String[] {"conversation-1", "conversation-2", "conversation-3"}) {
      String first = servedBy(gateway, session);
      for (int i = 0; i < 30; i++) assertEquals(first, servedBy(gateway, session), session + ", request " + i);
    }
    String byUser = servedByUser(gateway, "user-7");
    for (int i = 0; i < 30; i++) assertEquals(byUser, servedByUser(gateway, "user-7"));
    String byAnthropicUser = servedByAnthropicUser(gateway, "user-8");
    for (int i = 0; i < 20; i++) assertEquals(byAnthropicUser, servedByAnthropicUser(gateway, "user-8"));
  }

  @Test
  void aConversation_movesWhenItsDeploymentFails_andStaysWhereItMoved() {
    TestGateway gateway = gateway("-b");
    // Two conversations pinned to primary.
    java.util.List<String> onPrimary = new java.util.ArrayList<>();
    for (int i = 0; onPrimary.size() < 2; i++) {
      String session = "conversation-" + i;
      if (servedBy(gateway, session).equals("primary-b/gpt-4o")) onPrimary.add(session);
    }
    primary.answer(FakeOpenAi.status(500, FakeOpenAi.envelope("boom", "server_error")));

    // Primary fails: the dispatcher falls back, the conversation moves with it, and the breaker opens.
    assertEquals("secondary-b/gpt-4o", servedBy(gateway, onPrimary.get(0)));
    primary.answer(primary::documented);
    int primaryCalls = primary.received().size();
    for (int i = 0; i < 20; i++) {
      assertEquals("secondary-b/gpt-4o", servedBy(gateway, onPrimary.get(0)), "stays, request " + i);
    }

    // The other conversation meets primary's open breaker: it moves too, and stays.
    for (int i = 0; i < 20; i++) {
      assertEquals("secondary-b/gpt-4o", servedBy(gateway, onPrimary.get(1)), "moved, request " + i);
    }
    assertEquals(primaryCalls, primary.received().size(), "neither conversation calls primary again");
  }
}
