package io.switchboard.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.FakeUpstream;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;

/**
 * The console in a real browser (headless Chromium through Selenium) against a real node whose two
 * providers are one fake OpenAI upstream: {@code steady} answers as OpenAI documents, {@code flaky}
 * (model {@code wobbly}) fails every call with 500. Each test leaves a screenshot in
 * {@code target/console-screenshots/}.
 */
@Tag("integration")
class ConsoleBrowserTest {
  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static TestGateway gateway;
  private static ConsoleBrowser browser;

  @BeforeAll
  static void start() {
    gateway = gateways.start("""
        switchboard.provider-defaults.retries.max-attempts = 1
        switchboard.providers.steady {
          kind = openai, openai { base-url = "%1$s", api-key-env = "KEY" }
          limits { requests-per-minute = 600, tokens-per-minute = 200000 }
        }
        switchboard.providers.flaky {
          kind = openai, openai { base-url = "%1$s", api-key-env = "KEY" }
          breaker { consecutive-failures = 2, reset-timeout = 10m, max-reset-timeout = 10m }
        }
        switchboard.models.chat {
          provider = steady, upstream-model = gpt-4o-mini, input-price-per-million = 150, output-price-per-million = 600
        }
        switchboard.models.wobbly { provider = flaky, upstream-model = broken-model }
        switchboard.models.coder { provider = steady, upstream-model = coder-1, strengths { code = 0.95, chat = 0.2 } }
        switchboard.routes.auto { candidates = [chat, coder], objective { cost = 0, latency = 0, quality = 1 } }
        """.formatted(upstream.baseUrl()), Map.of("KEY", "sk-upstream"));
    browser = ConsoleBrowser.open(gateway.uri("").toString());
  }

  @AfterAll
  static void stop() {
    if (browser != null) browser.close();
  }

  /** The flaky provider's upstream model fails; a request naming a reply marker is answered with it. */
  @BeforeEach
  void upstreamAnswers() {
    upstream.answer(r -> {
      JsonNode body = r.json();
      if (body.path("model").asText().equals("broken-model")) {
        return FakeUpstream.<FakeOpenAi.Received>status(500, FakeOpenAi.envelope("The server had an error", "server_error"))
            .apply(r);
      }
      String asked = body.path("messages").path(0).path("content").asText();
      if (asked.startsWith("reply with ")) {
        return FakeUpstream.<FakeOpenAi.Received>status(200, completion(asked.substring("reply with ".length()))).apply(r);
      }
      return upstream.documented(r);
    });
  }

  private static String completion(String content) {
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"},"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13}}";
  }

  private static HttpResponse<String> chat(String model, String content, String key, String requestId) {
    HttpRequest.Builder request = gateway.request("/v1/chat/completions").timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").header("x-request-id", requestId)
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}"));
    if (key != null) request.header("Authorization", "Bearer " + key);
    return gateway.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String createKey(String name) throws Exception {
    return JSON.readTree(gateway.post("/admin/keys", "{\"name\":\"" + name + "\"}").body()).path("key").asText();
  }

  @Test
  void login_withAWrongAdminKeyIsRefusedWithAClearMessage() {
    browser.logIn("certainly-not-the-admin-key");

    String error = browser.until(d -> {
      WebElement shown = d.findElement(By.id("login-error"));
      return shown.isDisplayed() ? shown.getText() : null;
    });
    browser.screenshot("login-refused");

    assertTrue(error.contains("not this node's admin key"), error);
    assertTrue(browser.driver().getCurrentUrl().endsWith("/console/login"), browser.driver().getCurrentUrl());
    assertEquals(null, browser.driver().manage().getCookieNamed(ConsoleSession.COOKIE));
    browser.go("/console/");
    assertTrue(browser.driver().getCurrentUrl().endsWith("/console/login"), "the console stays closed");
  }

  @Test
  void login_withTheAdminKeyOpensTheOverviewAndLogoutClosesIt() {
    browser.logIn(TestGateway.ADMIN_KEY);
    browser.until(d -> d.getCurrentUrl().endsWith("/console/") ? true : null);
    browser.page("overview");
    browser.until(d -> d.findElements(By.cssSelector("#chart-rps canvas")).isEmpty() ? null : true);
    Cookie cookie = browser.driver().manage().getCookieNamed(ConsoleSession.COOKIE);
    assertTrue(cookie.isHttpOnly(), "scripts cannot read the session cookie");
    assertEquals("Strict", cookie.getSameSite());
    browser.screenshot("overview");
    assertFalse(browser.driver().findElement(By.id("nav-ollama")).isDisplayed(), "no Ollama provider, no Ollama page");

    browser.driver().findElement(By.id("logout")).click();

    browser.until(d -> d.getCurrentUrl().endsWith("/console/login") ? true : null);
    assertEquals(null, browser.driver().manage().getCookieNamed(ConsoleSession.COOKIE), "logout removes the cookie");
  }

  @Test
  void providers_showTheModelsBreakerOpenAfterTheUpstreamModelFails() {
    browser.logIn(TestGateway.ADMIN_KEY);
    browser.page("providers");
    assertEquals("closed", browser.driver().findElement(By.cssSelector("[data-provider='flaky'] .breaker"))
        .getAttribute("data-breaker"));

    for (int i = 0; i < 2; i++) assertEquals(502, chat("wobbly", "hello", null, "fail-" + i).statusCode());

    String state = browser.until(d -> {
      List<WebElement> badges = d.findElements(By.cssSelector("[data-provider='flaky'] .model-breaker[data-model='broken-model']"));
      return !badges.isEmpty() && "open".equals(badges.get(0).getAttribute("data-breaker")) ? "open" : null;
    });
    browser.screenshot("providers");
    assertEquals("open", state);
    assertEquals("closed", browser.driver().findElement(By.cssSelector("[data-provider='flaky'] .breaker"))
        .getAttribute("data-breaker"), "a model's 5xx answers leave the provider's own breaker closed");
    assertEquals("closed", browser.driver().findElement(By.cssSelector("[data-provider='steady'] .breaker"))
        .getAttribute("data-breaker"), "the other provider is untouched");
  }

  @Test
  void keys_aCreatedKeyIsShownOnceAndListed() {
    browser.logIn(TestGateway.ADMIN_KEY);
    browser.page("keys");
    String name = "team-" + UUID.randomUUID().toString().substring(0, 8);

    browser.driver().findElement(By.cssSelector("#create-key input[name=name]")).sendKeys(name);
    browser.driver().findElement(By.cssSelector("#create-key input[name=budget_usd]")).sendKeys("5");
    browser.driver().findElement(By.cssSelector("#create-key button[type=submit]")).click();

    String secret = browser.until(d -> d.findElement(By.id("new-key-secret")).getText());
    assertTrue(secret.startsWith("sk-sb-"), secret);
    browser.until(d -> d.findElement(By.id("keys")).getText().contains(name) ? true : null);
    browser.screenshot("keys");
    String row = browser.text("#keys tbody");
    assertTrue(row.contains("$0.00 of $5.00"), row);
    assertFalse(row.contains(secret), "the list never holds the secret");

    browser.driver().findElement(By.id("dismiss-key")).click();
    browser.page("overview");
    browser.page("keys");
    assertTrue(browser.text("#keys").contains(name));
    assertFalse(browser.driver().getPageSource().contains(secret), "shown once, at creation only");
  }

  @Test
  void live_showsARequestAsItHappensWithoutItsContent() throws Exception {
    String key = createKey("live-team");
    browser.logIn(TestGateway.ADMIN_KEY);
    browser.show("live");
    browser.until(d -> d.findElement(By.id("live-body")));
    String requestId = "req-" + UUID.randomUUID();

    assertEquals(200, chat("chat", "What is the time?", key, requestId).statusCode());

    WebElement row = browser.until(d -> d.findElement(By.cssSelector("tr[data-request-id='" + requestId + "']")));
    browser.until(d -> row.getText().contains("live-team") ? true : null);
    browser.screenshot("live");
    String shown = row.getText();
    assertTrue(shown.contains("chat") && shown.contains("steady/gpt-4o-mini") && shown.contains("success"), shown);
    assertFalse(browser.driver().getPageSource().contains("What is the time?"));
  }

  @Test
  void models_showTheAutoRoutesAndEachDecisionWithItsReason() throws Exception {
    browser.logIn(TestGateway.ADMIN_KEY);
    String requestId = "req-" + UUID.randomUUID();

    assertEquals(200, chat("auto", "Fix this bug: ```python\\nprint(1/0)\\n```", null, requestId).statusCode());

    browser.show("models");
    WebElement route = browser.until(d -> d.findElement(By.id("routes")));
    assertTrue(route.getText().contains("auto") && route.getText().contains("chat, coder"), route.getText());
    WebElement decision = browser.until(d -> d.findElement(By.cssSelector("#decisions tr[data-request-id='"
        + requestId + "']")));
    browser.screenshot("models");
    String shown = decision.getText();
    assertTrue(shown.contains("auto") && shown.contains("coder") && shown.contains("task=code"), shown);
    assertFalse(browser.driver().getPageSource().contains("print(1/0)"), "the request's content is never shown");
  }

  @Test
  void pages_neverShowRequestContentNorAKeysSecretAfterCreation() throws Exception {
    String asked = "ASKED-" + UUID.randomUUID();
    String answered = "ANSWERED-" + UUID.randomUUID();
    browser.logIn(TestGateway.ADMIN_KEY);
    browser.page("keys");
    browser.driver().findElement(By.cssSelector("#create-key input[name=name]")).sendKeys("marker-team");
    browser.driver().findElement(By.cssSelector("#create-key button[type=submit]")).click();
    String secret = browser.until(d -> d.findElement(By.id("new-key-secret")).getText());
    browser.driver().findElement(By.id("dismiss-key")).click();
    HttpResponse<String> served = chat("chat", "reply with " + answered + " " + asked, secret, "marker-req");
    assertEquals(200, served.statusCode(), served.body());
    assertTrue(served.body().contains(answered), "the answer really held the marker");
    List<String> markers = List.of(asked, answered, secret);

    for (String page : List.of("overview", "cluster", "providers", "models", "keys")) {
      browser.page(page);
      assertHoldsNone(markers, browser.driver().getPageSource(), "page " + page);
      browser.screenshot("page-" + page);
    }
    browser.show("usage");
    browser.until(d -> d.findElement(By.id("usage-key")).getText().contains("marker-team") ? true : null);
    assertHoldsNone(markers, browser.driver().getPageSource(), "page usage");
    browser.screenshot("page-usage");
    browser.show("live");
    browser.until(d -> d.findElement(By.cssSelector("tr[data-request-id='marker-req']")));
    assertHoldsNone(markers, browser.driver().getPageSource(), "page live");
    browser.screenshot("page-live");

    String cookie = ConsoleSession.COOKIE + "=" + browser.driver().manage().getCookieNamed(ConsoleSession.COOKIE).getValue();
    for (String path : List.of("/console/api/info", "/console/api/series", "/console/api/series?provider=steady",
        "/console/api/cluster", "/console/api/models", "/admin/providers", "/admin/keys",
        "/admin/usage?group_by=key,model,deployment&from=1970-01-01")) {
      HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri(path)).header("Cookie", cookie)
          .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), path + ": " + response.body());
      assertHoldsNone(markers, response.body(), path);
    }
    String liveEvent = firstLiveEvent(cookie);
    assertTrue(liveEvent.contains("marker-req"), liveEvent);
    assertHoldsNone(markers, liveEvent, "/console/api/live");
  }

  private static String firstLiveEvent(String cookie) throws Exception {
    HttpResponse<InputStream> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/console/api/live"))
        .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals("text/event-stream", response.headers().firstValue("content-type").orElse(""));
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      return CompletableFuture.supplyAsync(() -> {
        try {
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.startsWith("data: ")) return line;
          }
          return "";
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).get(20, TimeUnit.SECONDS);
    }
  }

  private static void assertHoldsNone(List<String> markers, String text, String where) {
    for (String marker : markers) assertFalse(text.contains(marker), where + " shows " + marker);
  }
}
