package io.switchboard.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import io.switchboard.keys.KeyRequests;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Grafana dashboard ({@code deploy/grafana/switchboard.json}) and the Prometheus alert rules
 * ({@code deploy/prometheus/alerts.yml}) query only metrics a running node exposes: a node serves
 * plain, streamed, failed, cached and budgeted requests, and every metric name in their PromQL must be
 * in its {@code /metrics}. The rules also pass {@code promtool check rules}.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringKitTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DASHBOARD = Path.of("../deploy/grafana/switchboard.json");
  private static final Path ALERTS = Path.of("../deploy/prometheus/alerts.yml");
  /** Series Prometheus makes itself for every target it scrapes, not the node. */
  private static final Set<String> MADE_BY_PROMETHEUS = Set.of("up");
  private static final Pattern EXPR = Pattern.compile("^\\s*expr:\\s*(.+)$", Pattern.MULTILINE);

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private String scrape;
  private Set<String> exposed;

  @BeforeAll
  void serveSomeTraffic() throws IOException {
    TestGateway gateway = gateways.start("""
        switchboard.metrics.provider-refresh = 1ms
        switchboard.provider-defaults {
          retries { max-attempts = 2, base-delay = 1ms, max-delay = 5ms }
          breaker.consecutive-failures = 100
          limits.requests-per-minute = 600
        }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s" }
        switchboard.models.chat {
          provider = primary, upstream-model = "gpt-4o", input-price-per-million = 2.5, output-price-per-million = 10
        }
        switchboard.models.fallback.deployments = [
          { provider = primary, upstream-model = "gpt-4o" },
          { provider = simulated, upstream-model = "switchboard-sim-1" }
        ]
        """.formatted(upstream.baseUrl()));
    String key = KeyRequests.createKey(gateway, "{\"name\":\"team-a\",\"budget_usd\":5}").path("key").asText();
    String chat = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    KeyRequests.chatWith(gateway, "Authorization", "Bearer " + key, chat);
    new SseEvents(gateway.postStreaming("/v1/chat/completions", "{\"model\":\"chat\",\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
        .body()).all();
    for (int i = 0; i < 2; i++) {
      gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions")).header("x-switchboard-cache", "true")
          .POST(HttpRequest.BodyPublishers.ofString(chat)).build(), HttpResponse.BodyHandlers.ofString());
    }
    // The upstream fails: "chat" is retried, then answered 502; "fallback" is served by its second deployment.
    upstream.answer(FakeOpenAi.status(500, FakeOpenAi.envelope("boom", "server_error")));
    assertEquals(502, gateway.post("/v1/chat/completions", chat).statusCode());
    assertEquals(200, gateway.post("/v1/chat/completions", chat.replace("\"chat\"", "\"fallback\"")).statusCode());
    upstream.answer(upstream::documented);

    HttpResponse<String> metrics = gateway.get("/metrics");
    assertEquals(200, metrics.statusCode());
    scrape = metrics.body();
    exposed = PromQlNames.exposed(scrape);
    Files.writeString(Path.of("target/monitoring-kit-scrape.txt"), scrape);
  }

  @Test
  void scrape_carriesSpendBudgetQueueBoundsBucketLimitsAndJvm() {
    assertTrue(sample("switchboard_spend_usd_total", "model=\"chat\"") > 0, scrape);
    double used = sample("switchboard_key_budget_used_ratio", "key_name=\"team-a\"");
    assertTrue(used > 0 && used < 1, "a little of the $5 budget was spent: " + used);
    assertTrue(sample("switchboard_provider_queue_capacity", "provider=\"primary\"") > 0);
    assertTrue(sample("switchboard_provider_max_in_flight", "provider=\"primary\"") > 0);
    assertEquals(600, sample("switchboard_provider_bucket_limit", "provider=\"primary\"", "scope=\"provider\"",
        "dimension=\"requests\""));
    assertTrue(exposed.contains("jvm_memory_used_bytes") && exposed.contains("process_cpu_usage"), exposed.toString());
  }

  @Test
  void dashboard_isGrafanaJsonWithAPrometheusDatasourceVariable_queryingOnlyExposedMetrics() throws IOException {
    JsonNode dashboard = JSON.readTree(Files.readString(DASHBOARD));

    boolean datasourceVariable = false;
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      datasourceVariable |= variable.path("type").asText().equals("datasource")
          && variable.path("query").asText().equals("prometheus");
    }
    assertTrue(datasourceVariable, "a datasource variable of type prometheus");
    List<String> expressions = new ArrayList<>();
    collectExpressions(dashboard, expressions);
    assertTrue(expressions.size() >= 15, "panels over requests, tokens, spend, providers, cache, JVM: " + expressions);
    assertEquals(Map.of(), missing(expressions), "metrics the dashboard queries that /metrics does not expose");
  }

  @Test
  void alertRules_queryOnlyExposedMetrics() throws IOException {
    List<String> expressions = new ArrayList<>();
    Matcher expr = EXPR.matcher(Files.readString(ALERTS));
    while (expr.find()) expressions.add(expr.group(1));

    assertTrue(expressions.size() >= 6, "breaker, queue, budget, errors, node down, latency: " + expressions);
    assertEquals(Map.of(), missing(expressions), "metrics the alert rules query that /metrics does not expose");
  }

  @Test
  void alertRules_passPromtoolCheckRules() throws Exception {
    Process promtool;
    try {
      promtool = new ProcessBuilder("promtool", "check", "rules", ALERTS.toString()).redirectErrorStream(true).start();
    } catch (IOException absent) {
      throw new AssertionError("promtool is not installed: install Debian's 'prometheus' package (.ci/run does)",
          absent);
    }
    String output = new String(promtool.getInputStream().readAllBytes());
    assertTrue(promtool.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "promtool did not finish");
    assertEquals(0, promtool.exitValue(), output);
    assertFalse(output.contains("0 rules found"), output);
  }

  /** Each expression's metric names that the scrape lacks, by expression. */
  private Map<String, Set<String>> missing(List<String> expressions) {
    Map<String, Set<String>> missing = new TreeMap<>();
    for (String expression : expressions) {
      Set<String> names = PromQlNames.selected(expression);
      assertFalse(names.isEmpty(), "no metric in " + expression);
      Set<String> absent = new TreeSet<>(names);
      absent.removeAll(exposed);
      absent.removeAll(MADE_BY_PROMETHEUS);
      if (!absent.isEmpty()) missing.put(expression, absent);
    }
    return missing;
  }

  private static void collectExpressions(JsonNode node, List<String> into) {
    if (node.isObject() && node.has("expr")) into.add(node.get("expr").asText());
    node.forEach(child -> collectExpressions(child, into));
  }

  /** The value of the one sample of {@code name} carrying every label given. */
  private double sample(String name, String... labels) {
    List<Double> found = new ArrayList<>();
    for (String line : scrape.split("\n")) {
      if (!(line.startsWith(name + "{") || line.startsWith(name + " "))) continue;
      boolean all = true;
      for (String label : labels) all &= line.contains(label);
      if (all) found.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
    }
    assertEquals(1, found.size(), "one sample " + name + " with " + String.join(",", labels) + " in\n" + scrape);
    return found.get(0);
  }
}
