package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What an upstream's error text keeps and loses before a client or a log line sees it. */
@Tag("unit")
class CredentialRedactorTest {
  private static final String KEY = "gw.key.Q7rT2mX9";

  private static CredentialRedactor forOpenAiKey(String key) {
    SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.parseString("""
        switchboard.providers.p { kind = openai, openai { base-url = "http://127.0.0.1:1/v1", api-key-env = K } }
        switchboard.models.m { provider = p }
        """).withFallback(ConfigFactory.load()).resolve(), Map.of("K", key)::get);
    return CredentialRedactor.forProvider(settings.providers().get("p"));
  }

  @Test
  void providersOwnKey_isRemovedWhateverItsShape() {
    String clean = forOpenAiKey(KEY).redact("the key " + KEY + " is not valid here");

    assertEquals("the key [redacted] is not valid here", clean);
  }

  @Test
  void authorizationLikeValues_loseTheirValueAndKeepTheirName() {
    CredentialRedactor redactor = CredentialRedactor.SHAPES_ONLY;

    assertEquals("Authorization: Bearer [redacted]", redactor.redact("Authorization: Bearer abc.DEF-123_xyz"));
    assertEquals("x-api-key: [redacted] sent", redactor.redact("x-api-key: abcdef123 sent"));
    assertEquals("?api-key=[redacted]&model=x", redactor.redact("?api-key=zzz999&model=x"));
    assertEquals("{\"headers\":{\"authorization\":\"Bearer [redacted]\",\"x-api-key\":\"[redacted]\"}}",
        redactor.redact("{\"headers\":{\"authorization\":\"Bearer tok123456\",\"x-api-key\":\"k-1\"}}"));
    assertEquals("got Bearer [redacted] from you", redactor.redact("got Bearer eyJhbGciOi.J9x from you"));
  }

  @Test
  void keyShapedTokens_areRemoved_wordsThatMerelyContainSkAreNot() {
    CredentialRedactor redactor = CredentialRedactor.SHAPES_ONLY;

    assertEquals("keys [redacted], [redacted] and [redacted]",
        redactor.redact("keys sk-abc123DEF456, sk-ant-api03-Xy_z-9 and sk-proj-Zm9vYmFy"));
    assertEquals("the task-force asked: basic auth?", redactor.redact("the task-force asked: basic auth?"));
  }

  @Test
  void cleanedJson_isStillJson_andRedactingTwiceChangesNothing() throws Exception {
    String body = "{\"error\":{\"message\":\"echo: Authorization: Bearer sk-proj-123456789 and api_key=" + KEY
        + "\",\"type\":\"invalid_request_error\"}}";
    String once = forOpenAiKey(KEY).redact(body);

    assertFalse(once.contains(KEY) || once.contains("sk-proj"), once);
    assertTrue(new ObjectMapper().readTree(once).path("error").path("message").asText().startsWith("echo: "));
    assertEquals(once, forOpenAiKey(KEY).redact(once));
    assertNull(CredentialRedactor.SHAPES_ONLY.redact(null));
  }
}
