package io.switchboard.usage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.switchboard.persistence.JdbcPool;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Answers {@code GET /admin/usage} and {@code GET /v1/usage}: aggregates of the ledger over a time
 * range. The node's buffered records are flushed first, so a report includes every request this node
 * has finished; other nodes' records appear once they have flushed ({@code flush-interval}).
 */
public final class UsageReports {
  static final Duration FLUSH_WAIT = Duration.ofSeconds(5);

  /** The body of a usage report. */
  public record Report(
      @JsonProperty("object") String object,
      @JsonProperty("from") String from,
      @JsonProperty("to") String to,
      @JsonProperty("group_by") List<String> groupBy,
      @JsonProperty("data") List<Group> data) {}

  /** One group; the dimensions not grouped by are left out. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Group(
      @JsonProperty("key_id") String keyId,
      @JsonProperty("model") String model,
      @JsonProperty("deployment") String deployment,
      @JsonProperty("day") String day,
      @JsonProperty("request_id") String requestId,
      @JsonProperty("route") String route,
      @JsonProperty("requests") long requests,
      @JsonProperty("prompt_tokens") long promptTokens,
      @JsonProperty("completion_tokens") long completionTokens,
      @JsonProperty("total_tokens") long totalTokens,
      @JsonProperty("cost_usd") BigDecimal costUsd,
      @JsonProperty("avg_latency_ms") long avgLatencyMs) {}

  private final JdbcPool pool;
  private final UsageStore store;
  private final ActorRef<UsageLedger.Command> ledger;
  private final Scheduler scheduler;

  public UsageReports(JdbcPool pool, UsageStore store, ActorRef<UsageLedger.Command> ledger, Scheduler scheduler) {
    this.pool = pool;
    this.store = store;
    this.ledger = ledger;
    this.scheduler = scheduler;
  }

  /** Usage in {@code [from, to)}, grouped by {@code groupBy}, of {@code keyId} only when given. */
  public java.util.concurrent.CompletionStage<Report> report(Instant from, Instant to, List<UsageStore.Dimension> groupBy,
      Optional<String> keyId) {
    return AskPattern.<UsageLedger.Command, Done>ask(ledger, UsageLedger.Flush::new, FLUSH_WAIT, scheduler)
        .handle((done, error) -> done)
        .thenCompose(flushed -> pool.run(c -> store.aggregate(c, from.toEpochMilli(), to.toEpochMilli(), groupBy, keyId)))
        .thenApply(rows -> new Report("usage", from.toString(), to.toString(),
            groupBy.stream().map(d -> d.name().toLowerCase()).toList(),
            rows.stream().map(UsageReports::group).toList()));
  }

  private static Group group(UsageStore.Row row) {
    return new Group(row.keyId(), row.model(), row.deployment(), row.day() == null ? null : row.day().toString(),
        row.requestId(), row.route(), row.requests(), row.promptTokens(), row.completionTokens(), row.promptTokens() + row.completionTokens(),
        row.costUsd().setScale(Math.max(0, Math.min(12, row.costUsd().stripTrailingZeros().scale())), RoundingMode.HALF_UP),
        row.totalLatencyMs() / row.requests());
  }
}
