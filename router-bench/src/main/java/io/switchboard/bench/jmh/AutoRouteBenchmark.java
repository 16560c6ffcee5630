package io.switchboard.bench.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.history.HistorySummary;
import io.switchboard.history.Outcome;
import io.switchboard.history.PerformanceHistory;
import io.switchboard.orchestration.AutoRoutes;
import io.switchboard.orchestration.RouteChoice;
import io.switchboard.orchestration.TaskAnalyzer;
import io.switchboard.orchestration.TaskVerdict;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * An auto route's whole decision for one request, on the calling thread: the task analyzer's verdict
 * and the scorer's ranking of 50 candidate models (each with prices, strengths, a context window and a
 * known history summary), with the reason string built. Sampled, so the percentiles are per call; the
 * requirement is p99 at most 20 µs on one core. {@code analyse} is the analyzer alone.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class AutoRouteBenchmark {
  private static final int CANDIDATES = 50;

  private AutoRoutes routes;
  private TaskAnalyzer analyzer;
  private ChatCompletionRequest code;
  private ChatCompletionRequest chat;

  /** Every deployment has a summary: the scorer reads one per candidate, as it would in production. */
  private static final class Known implements PerformanceHistory {
    private final Map<String, HistorySummary> summaries = new HashMap<>();

    @Override
    public void record(String deployment, Outcome outcome) {}

    @Override
    public HistorySummary summary(String deployment) {
      return summaries.getOrDefault(deployment, HistorySummary.EMPTY);
    }
  }

  @Setup
  public void build() throws Exception {
    StringBuilder hocon = new StringBuilder("switchboard.providers.simulated = null\n"
        + "switchboard.models.switchboard-sim = null\n");
    for (int p = 0; p < 5; p++) hocon.append("switchboard.providers.p").append(p).append(".kind = simulated\n");
    StringBuilder candidates = new StringBuilder();
    Known history = new Known();
    for (int m = 0; m < CANDIDATES; m++) {
      hocon.append("switchboard.models.model-").append(m).append(" { provider = p").append(m % 5)
          .append(", upstream-model = up-").append(m)
          .append(", input-price-per-million = ").append(0.1 + m * 0.2)
          .append(", output-price-per-million = ").append(0.4 + m * 0.8)
          .append(", context-window = ").append(8192 << (m % 5))
          .append(", strengths { code = ").append((m * 37 % 100) / 100.0)
          .append(", chat = ").append((m * 53 % 100) / 100.0).append(" } }\n");
      candidates.append(m == 0 ? "" : ", ").append("model-").append(m);
      history.summaries.put("p" + (m % 5) + "/up-" + m,
          new HistorySummary(1000, (m % 7) / 100.0, 200 + m * 13L, 400 + m * 20L, 900 + m * 30L, 150, 60, 0.001));
    }
    hocon.append("switchboard.routes.auto { candidates = [").append(candidates).append("] }\n")
        // The steady-state choice: no probe during the run.
        .append("switchboard.route-defaults.probe-after = 0s\n");
    SwitchboardSettings settings = SwitchboardSettings.from(
        ConfigFactory.parseString(hocon.toString()).withFallback(ConfigFactory.load()).resolve(), name -> null);
    routes = AutoRoutes.of(settings, history, Clock.systemUTC());
    analyzer = routes.analyzer();
    ObjectMapper mapper = OpenAiJson.newMapper();
    code = mapper.readValue("""
        {"model":"auto","max_tokens":800,"messages":[
         {"role":"system","content":"You are a careful senior engineer."},
         {"role":"user","content":"Can you fix this bug? It throws on an empty list and I need it to return 0.\\n```python\\ndef mean(xs):\\n    return sum(xs) / len(xs)\\n```\\nAlso refactor it to accept any iterable."}]}""",
        ChatCompletionRequest.class);
    chat = mapper.readValue("""
        {"model":"auto","messages":[{"role":"user","content":"Hi there! How are you today? Any plans for the weekend? I was thinking of going hiking if the weather holds up."}]}""",
        ChatCompletionRequest.class);
  }

  @Benchmark
  public RouteChoice analyseAndChooseCode() {
    return routes.choose("auto", code, null);
  }

  @Benchmark
  public RouteChoice analyseAndChooseChat() {
    return routes.choose("auto", chat, null);
  }

  @Benchmark
  public TaskVerdict analyse() {
    return analyzer.analyze(code);
  }
}
