package io.switchboard.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.ollama.FakeOllama;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** The console's Ollama page in a real browser, against a node whose Ollama provider is a fake server. */
@Tag("integration")
class ConsoleOllamaBrowserTest {
  @RegisterExtension static final FakeOllama ollama = new FakeOllama("llama3.2:latest");
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private static ConsoleBrowser browser;

  @BeforeAll
  static void start() {
    TestGateway gateway = gateways.start("""
        switchboard.providers.local { kind = ollama, ollama.base-url = "%s" }
        """.formatted(ollama.baseUrl()));
    browser = ConsoleBrowser.open(gateway.uri("").toString());
  }

  @AfterAll
  static void stop() {
    if (browser != null) browser.close();
  }

  @Test
  void ollama_listsPulledModelsAndPullsOneWithItsProgress() {
    browser.logIn(TestGateway.ADMIN_KEY);
    browser.until(d -> d.findElement(By.id("nav-ollama")).isDisplayed() ? true : null);
    browser.page("ollama");
    assertTrue(browser.text("#pulled-local").contains("llama3.2:latest"), browser.text("#pulled-local"));

    WebElement panel = browser.driver().findElement(By.cssSelector("#ollama-body .panel"));
    panel.findElement(By.cssSelector("form input")).sendKeys("mistral");
    panel.findElement(By.cssSelector("form button")).click();

    String label = browser.until(d -> {
      String text = panel.findElement(By.cssSelector("form .muted")).getText();
      return text.startsWith("pulled") ? text : null;
    });
    browser.screenshot("ollama");
    assertEquals("pulled mistral", label);
    assertEquals("width: 100%;", panel.findElement(By.cssSelector(".progress > span")).getAttribute("style"));
    assertTrue(ollama.received().stream().anyMatch(r -> r.path().equals("/api/pull")), "the pull reached Ollama");
  }
}
