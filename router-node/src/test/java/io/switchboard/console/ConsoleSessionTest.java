package io.switchboard.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The console's gate over HTTP, as a browser meets it: login, the cookie's attributes, logout. */
@Tag("integration")
class ConsoleSessionTest {
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private static HttpResponse<String> login(TestGateway gateway, String key) {
    return gateway.send(HttpRequest.newBuilder(gateway.uri("/console/login")).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String cookie(HttpResponse<?> response) {
    String set = response.headers().firstValue("set-cookie").orElseThrow(() -> new AssertionError("no Set-Cookie"));
    return set.substring(0, set.indexOf(';'));
  }

  private static HttpResponse<String> get(TestGateway gateway, String path, String cookie) {
    HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(10));
    if (cookie != null) request.header("Cookie", cookie);
    return gateway.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void login_withTheAdminKeyGivesAStrictHttpOnlyCookieThatOpensTheConsoleAndAdminRoutes() {
    TestGateway gateway = gateways.start("");

    HttpResponse<String> login = login(gateway, TestGateway.ADMIN_KEY);

    assertEquals(204, login.statusCode(), login.body());
    String set = login.headers().firstValue("set-cookie").orElseThrow();
    assertTrue(set.startsWith(ConsoleSession.COOKIE + "="), set);
    assertTrue(set.contains("; HttpOnly") && set.contains("; SameSite=Strict") && set.contains("; Path=/"), set);
    assertFalse(set.contains("Secure"), "Secure only when secure-cookie is on: " + set);
    assertFalse(set.contains(TestGateway.ADMIN_KEY), "the cookie is a session id, not the key");
    String cookie = cookie(login);
    assertEquals(200, get(gateway, "/console/api/info", cookie).statusCode());
    assertEquals(200, get(gateway, "/admin/keys", cookie).statusCode());
    assertEquals(200, get(gateway, "/console/", cookie).statusCode());
  }

  @Test
  void login_withAWrongKeyIsRefusedAndSetsNoCookie() {
    TestGateway gateway = gateways.start("");

    HttpResponse<String> login = login(gateway, "not-the-admin-key");

    assertEquals(401, login.statusCode());
    assertTrue(login.body().contains("\"code\":\"invalid_admin_key\""), login.body());
    assertTrue(login.body().contains("not this node's admin key"), login.body());
    assertTrue(login.headers().firstValue("set-cookie").isEmpty());
  }

  @Test
  void logout_expiresTheCookieAndEndsTheSessionOnTheNode() {
    TestGateway gateway = gateways.start("");
    String cookie = cookie(login(gateway, TestGateway.ADMIN_KEY));

    HttpResponse<String> logout = gateway.send(HttpRequest.newBuilder(gateway.uri("/console/logout"))
        .header("Cookie", cookie).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(204, logout.statusCode());
    String set = logout.headers().firstValue("set-cookie").orElseThrow();
    assertTrue(set.startsWith(ConsoleSession.COOKIE + "=;") && set.contains("Max-Age=0"), set);
    // The old cookie, kept by a browser that ignored the expiry, opens nothing any more.
    assertEquals(401, get(gateway, "/console/api/info", cookie).statusCode());
    HttpResponse<String> admin = get(gateway, "/admin/keys", cookie);
    assertEquals(401, admin.statusCode());
    assertTrue(admin.body().contains("invalid_admin_key"), admin.body());
  }

  @Test
  void logout_endsALiveStreamOpenedWithTheSession() throws Exception {
    TestGateway gateway = gateways.start("");
    String cookie = cookie(login(gateway, TestGateway.ADMIN_KEY));
    HttpResponse<InputStream> live = gateway.send(HttpRequest.newBuilder(gateway.uri("/console/api/live"))
        .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, live.statusCode());
    CompletableFuture<Integer> readToEnd = CompletableFuture.supplyAsync(() -> {
      try (InputStream in = live.body()) {
        return in.readAllBytes().length;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });

    gateway.send(HttpRequest.newBuilder(gateway.uri("/console/logout")).header("Cookie", cookie)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());

    // The stream sends a line a second while the session lives, and ends at the first tick after logout.
    assertTrue(readToEnd.get(10, TimeUnit.SECONDS) > 0);
  }

  @Test
  void gate_sendsABrowserWithoutASessionToLoginAndRefusesTheApi() {
    TestGateway gateway = gateways.start("");

    HttpResponse<String> page = gateway.send(HttpRequest.newBuilder(gateway.uri("/console/"))
        .header("Accept", "text/html").GET().build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> api = get(gateway, "/console/api/series", ConsoleSession.COOKIE + "=forged");

    assertEquals(303, page.statusCode());
    assertEquals("/console/login", page.headers().firstValue("location").orElseThrow());
    assertEquals(401, api.statusCode());
    assertTrue(api.body().contains("console_login_required"), api.body());
    assertEquals(200, get(gateway, "/console/login", null).statusCode(), "the login page itself is open");
  }

  @Test
  void gate_refusesAnyApiPathWithoutASession_andWithOneAnUnknownPathIsUnknownUrl_asAdminDoes() {
    TestGateway gateway = gateways.start("");
    String cookie = cookie(login(gateway, TestGateway.ADMIN_KEY));

    HttpResponse<String> withoutSession = get(gateway, "/console/api/no-such-view", null);
    HttpResponse<String> withSession = get(gateway, "/console/api/no-such-view", cookie);

    // The gate answers first, so a caller without a session learns nothing of the paths behind it.
    assertEquals(401, withoutSession.statusCode());
    assertTrue(withoutSession.body().contains("\"code\":\"console_login_required\""), withoutSession.body());
    assertEquals(404, withSession.statusCode());
    assertTrue(withSession.body().contains("\"code\":\"unknown_url\""), withSession.body());
    // /admin is gated the same way: 401 without the admin key, whatever the path; unknown_url with it.
    assertEquals(401, get(gateway, "/admin/no-such-view", null).statusCode());
    assertTrue(gateway.get("/admin/no-such-view").body().contains("\"code\":\"unknown_url\""));
  }

  @Test
  void secureCookie_addsSecureForNodesBehindTls() {
    TestGateway gateway = gateways.start("switchboard.console.secure-cookie = on");

    String set = login(gateway, TestGateway.ADMIN_KEY).headers().firstValue("set-cookie").orElseThrow();

    assertTrue(set.contains("; Secure"), set);
  }

  @Test
  void disabled_servesNoConsole() {
    TestGateway gateway = gateways.start("switchboard.console.enabled = off");

    assertEquals(404, login(gateway, TestGateway.ADMIN_KEY).statusCode());
    assertEquals(404, get(gateway, "/console/login", null).statusCode());
  }
}
