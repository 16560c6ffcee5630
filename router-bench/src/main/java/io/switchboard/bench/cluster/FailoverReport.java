package io.switchboard.bench.cluster;

import io.switchboard.bench.cluster.FailoverLoad.Sent;
import io.switchboard.bench.report.MarkdownTable;
import io.switchboard.bench.upstream.RequestLimit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The markdown report of a failover run: what the clients saw (split between the node that was
 * killed and the survivors, before and after the kill), what the upstream saw of its own limit, and a
 * timeline. Pure: the run hands it the recorded requests and the upstream's figures.
 */
final class FailoverReport {
  private FailoverReport() {}

  /** How the run was set up, for the report's header. */
  record Setup(String command, int nodes, double rate, double streamShare, long rpm, String machine) {}

  static String render(Setup setup, FailoverLoad.Result result, RequestLimit.Stats upstream, long timelineMillis) {
    List<Sent> all = result.requests();
    int killed = result.killedNode();
    long killAt = result.killedAtMillis();
    StringBuilder out = new StringBuilder();
    out.append("# Failover run: SIGKILL of one node of ").append(setup.nodes()).append(" under load\n\n")
        .append("Command: `").append(setup.command()).append("`\n\n")
        .append("- load: ").append(MarkdownTable.num(setup.rate(), 0)).append(" requests/s open loop, round-robin over ")
        .append(setup.nodes()).append(" nodes, ").append(MarkdownTable.num(setup.streamShare() * 100, 0))
        .append("% streaming (20 chunks, 50 ms apart), for ").append(result.length().toSeconds()).append(" s\n")
        .append("- node-").append(killed).append(" killed with SIGKILL at ").append(seconds(killAt))
        .append(" s; from then on the load goes to the others only\n")
        .append("- upstream limit: ").append(setup.rpm()).append(" requests/minute, enforced by the fake upstream itself; ")
        .append("the gateway is configured with the same limit\n")
        .append("- machine: ").append(setup.machine()).append("\n\n");

    out.append("## What the clients saw\n\n");
    MarkdownTable table = new MarkdownTable("requests", "sent", "succeeded", "clean error", "unclean error", "lost (no answer)");
    row(table, "all", all, s -> true);
    row(table, "to node-" + killed + " (killed)", all, s -> s.node() == killed);
    row(table, "to the survivors, due before the kill", all, s -> s.node() != killed && s.dueMillis() < killAt);
    row(table, "to the survivors, due after the kill", all, s -> s.node() != killed && s.dueMillis() >= killAt);
    out.append(table).append('\n');
    if (result.notSent() > 0) {
      out.append(result.notSent()).append(" more were not sent: ").append(FailoverLoad.MAX_OUTSTANDING)
          .append(" requests were already unanswered.\n\n");
    }
    out.append("A clean error is a non-200 answer in the OpenAI error envelope, or a stream that ends in an error event; ")
        .append("lost means no answer at all (timeout, reset, or a stream cut without `[DONE]` or an error event).\n\n");

    out.append("### By kind of ending\n\n");
    MarkdownTable details = new MarkdownTable("ending", "killed node", "survivors");
    Map<String, long[]> byDetail = new TreeMap<>();
    for (Sent s : all) {
      String key = s.outcome().kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": " + s.outcome().detail();
      byDetail.computeIfAbsent(key, k -> new long[2])[s.node() == killed ? 0 : 1]++;
    }
    byDetail.forEach((k, v) -> details.row(k, v[0], v[1]));
    out.append(details).append('\n');

    out.append("## What the upstream saw\n\n");
    MarkdownTable up = new MarkdownTable("limit (requests/min)", "served", "refused with 429 (limit exceeded)",
        "lowest budget left", "busiest 60 s (arrivals)");
    up.row(upstream.perMinute(), upstream.served(), upstream.refused(), MarkdownTable.num(upstream.lowestLeft(), 1),
        upstream.busiestMinute());
    out.append(up).append('\n')
        .append(upstream.refused() == 0
            ? "The upstream never refused a request: its limit was not exceeded, before, during or after the failover.\n\n"
            : "The upstream refused " + upstream.refused() + " requests: the gateway exceeded its limit.\n\n")
        .append("The budget refills continuously and starts full, so a 60-second window may hold up to the limit ")
        .append("plus what was saved before it; the 429 count and the lowest budget are the test.\n\n");

    out.append("## Timeline (by due time, ").append(timelineMillis / 1000).append(" s buckets)\n\n");
    MarkdownTable timeline = new MarkdownTable("from (s)", "sent", "succeeded", "clean error", "unclean error", "lost", "");
    long end = all.stream().mapToLong(Sent::dueMillis).max().orElse(0);
    for (long from = 0; from <= end; from += timelineMillis) {
      long f = from;
      List<Sent> bucket = all.stream().filter(s -> s.dueMillis() >= f && s.dueMillis() < f + timelineMillis).toList();
      Map<Outcome.Kind, Long> k = kinds(bucket);
      timeline.row(seconds(from), bucket.size(), k.get(Outcome.Kind.SUCCEEDED), k.get(Outcome.Kind.CLEAN_ERROR),
          k.get(Outcome.Kind.UNCLEAN_ERROR), k.get(Outcome.Kind.LOST),
          killAt >= from && killAt < from + timelineMillis ? "kill" : "");
    }
    out.append(timeline);
    return out.toString();
  }

  private static void row(MarkdownTable table, String label, List<Sent> all, Predicate<Sent> which) {
    List<Sent> group = new ArrayList<>();
    for (Sent s : all) if (which.test(s)) group.add(s);
    Map<Outcome.Kind, Long> k = kinds(group);
    table.row(label, group.size(), k.get(Outcome.Kind.SUCCEEDED), k.get(Outcome.Kind.CLEAN_ERROR),
        k.get(Outcome.Kind.UNCLEAN_ERROR), k.get(Outcome.Kind.LOST));
  }

  private static Map<Outcome.Kind, Long> kinds(List<Sent> group) {
    Map<Outcome.Kind, Long> counts = new EnumMap<>(Outcome.Kind.class);
    for (Outcome.Kind kind : Outcome.Kind.values()) counts.put(kind, 0L);
    for (Sent s : group) counts.merge(s.outcome().kind(), 1L, Long::sum);
    return counts;
  }

  private static String seconds(long millis) {
    return MarkdownTable.num(millis / 1000.0, 1);
  }
}
