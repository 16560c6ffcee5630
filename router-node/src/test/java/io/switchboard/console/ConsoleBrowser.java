package io.switchboard.console;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its chromedriver, for the console's browser tests. Both are
 * named explicitly ({@code /usr/bin/chromium}, {@code /usr/bin/chromedriver}; system properties
 * {@code switchboard.chromium} and {@code switchboard.chromedriver} override them), so Selenium never
 * tries to download a browser or a driver. A machine without them fails the tests, saying what to
 * install: {@code .ci/run} installs them.
 */
final class ConsoleBrowser implements AutoCloseable {
  static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final WebDriver driver;
  private final String base;

  private ConsoleBrowser(WebDriver driver, String base) {
    this.driver = driver;
    this.base = base;
  }

  static ConsoleBrowser open(String base) {
    Path chromium = Path.of(System.getProperty("switchboard.chromium", "/usr/bin/chromium"));
    Path chromedriver = Path.of(System.getProperty("switchboard.chromedriver", "/usr/bin/chromedriver"));
    if (!Files.isExecutable(chromium) || !Files.isExecutable(chromedriver)) {
      throw new AssertionError("The console's browser tests need Debian's chromium and chromium-driver packages ("
          + chromium + ", " + chromedriver + "): apt-get install chromium chromium-driver (.ci/run does).");
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1440,1000", "--force-device-scale-factor=1", "--lang=en-GB");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(WAIT);
    return new ConsoleBrowser(driver, base);
  }

  WebDriver driver() {
    return driver;
  }

  void go(String path) {
    driver.get(base + path);
  }

  /** Logs in through the login page with {@code key}; a fresh browser session first (no cookie). */
  void logIn(String key) {
    driver.manage().deleteAllCookies();
    go("/console/login");
    WebElement input = until(d -> d.findElement(By.id("admin-key")));
    input.sendKeys(key);
    driver.findElement(By.id("login-button")).click();
  }

  /** Shows a page of the console by its name (#hash) and waits for its first refresh. */
  void page(String name) {
    show(name);
    until(d -> d.findElement(By.id("status")).getText().startsWith("updated") ? true : null);
  }

  /** Shows a page of the console by its name (#hash), for pages that load once rather than refresh. */
  void show(String name) {
    if (!driver.getCurrentUrl().contains("/console/")) go("/console/");
    until(d -> d.findElement(By.id("logout")));
    ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
        "document.getElementById('status').textContent = ''; window.location.hash = arguments[0];", name);
  }

  /**
   * Waits until {@code condition} gives a value other than null or false. An element not there yet, or
   * replaced by the page's next render between finding and reading it (stale), counts as not yet.
   */
  <T> T until(Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, WAIT).ignoring(org.openqa.selenium.NoSuchElementException.class)
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(condition::apply);
  }

  /** The text of the element {@code css} selects, read again if the page re-rendered it meanwhile. */
  String text(String css) {
    return until(d -> d.findElement(By.cssSelector(css)).getText());
  }

  void screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new AssertionError("screenshot " + name + " could not be saved", e);
    }
  }

  @Override
  public void close() {
    driver.quit();
  }
}
