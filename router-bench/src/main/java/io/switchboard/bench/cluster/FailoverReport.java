package io.switchboard.bench.cluster;

import io.switchboard.bench.cluster.FailoverLoad.Sent;
import io.switchboard.bench.report.MarkdownTable;
import io.switchboard.bench.upstream.RequestLimit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The markdown report of a failover run: what the clients saw, what the upstream saw of its own
 * limit, what happened when, and a timeline. Its rows depend on the run: a killed or a paused node's
 * requests apart from the others', before, during and after; a rolling restart's by node. Pure: the
 * run hands it the recorded requests, the events and the upstream's figures.
 */
final class FailoverReport {
  /** Up to this many lost requests, the report lists each one. */
  static final int LOST_LISTED = 40;

  private FailoverReport() {}

  /** What a run does to the cluster. */
  enum Mode {
    /** SIGKILL of one node. */
    KILL,
    /** SIGSTOP of one node, SIGCONT some time later. */
    PAUSE,
    /** SIGTERM and start again of every node in turn. */
    ROLLING
  }

  /** How the run was set up, for the report's header. */
  record Setup(String command, Mode mode, int nodes, double rate, double streamShare, long rpm, String machine) {}

  /**
   * The node a kill or pause run disrupted and when (offsets from the start of the load): for a kill
   * both times are the kill's; for a pause, the SIGSTOP and the SIGCONT. A rolling restart has none.
   */
  record Disruption(int node, long fromMillis, long untilMillis) {
    static final Disruption NONE = new Disruption(0, -1, -1);
  }

  /**
   * When the survivors' requests were answered by the provider again after a kill: the first end of a
   * request due after the kill, to a survivor, that the provider decided (a 200, or a 429 of its limit),
   * not the 503 of a provider that could not be reached.
   */
  static String answeredAgain(List<Sent> all, Disruption d) {
    java.util.OptionalLong first = all.stream()
        .filter(s -> s.node() != d.node() && s.dueMillis() >= d.fromMillis())
        .filter(s -> s.outcome().kind() == Outcome.Kind.SUCCEEDED || s.outcome().detail().contains("429"))
        .mapToLong(Sent::endMillis).min();
    if (first.isEmpty()) return "The provider never answered the survivors again after the kill.\n\n";
    return "The provider answered the survivors again (a 200, or a 429 of its limit) from **"
        + seconds(first.getAsLong()) + " s**, " + seconds(first.getAsLong() - d.fromMillis())
        + " s after the kill: the first answer to a request due after the kill that was not a 503.\n\n";
  }

  static String render(Setup setup, Disruption d, FailoverLoad.Result result, RequestLimit.Stats upstream,
      long timelineMillis) {
    List<Sent> all = result.requests();
    int node = d.node();
    StringBuilder out = new StringBuilder();
    out.append("# ").append(title(setup)).append("\n\n")
        .append("Command: `").append(setup.command()).append("`\n\n")
        .append("- load: ").append(MarkdownTable.num(setup.rate(), 0)).append(" requests/s open loop, round-robin over the ")
        .append(setup.nodes()).append(" nodes in rotation, ").append(MarkdownTable.num(setup.streamShare() * 100, 0))
        .append("% streaming (20 chunks, 50 ms apart), for ").append(result.length().toSeconds()).append(" s\n")
        .append("- ").append(what(setup.mode(), d)).append('\n')
        .append("- upstream limit: ").append(setup.rpm()).append(" requests/minute, enforced by the fake upstream itself; ")
        .append("the gateway is configured with the same limit\n")
        .append("- machine: ").append(setup.machine()).append("\n\n");

    out.append("## What the clients saw\n\n");
    MarkdownTable table = new MarkdownTable("requests", "sent", "succeeded", "clean error", "unclean error", "lost (no answer)");
    row(table, "all", all, s -> true);
    switch (setup.mode()) {
      case KILL -> {
        row(table, "to node-" + node + " (killed)", all, s -> s.node() == node);
        row(table, "to the survivors, due before the kill", all, s -> s.node() != node && s.dueMillis() < d.fromMillis());
        row(table, "to the survivors, due after the kill", all, s -> s.node() != node && s.dueMillis() >= d.fromMillis());
      }
      case PAUSE -> {
        row(table, "to node-" + node + " (paused), due before the pause", all,
            s -> s.node() == node && s.dueMillis() < d.fromMillis());
        row(table, "to node-" + node + " (paused), due after the resume", all,
            s -> s.node() == node && s.dueMillis() >= d.fromMillis());
        row(table, "to the others, due before the pause", all, s -> s.node() != node && s.dueMillis() < d.fromMillis());
        row(table, "to the others, due during the pause", all,
            s -> s.node() != node && s.dueMillis() >= d.fromMillis() && s.dueMillis() < d.untilMillis());
        row(table, "to the others, due after the resume", all, s -> s.node() != node && s.dueMillis() >= d.untilMillis());
      }
      case ROLLING -> {
        for (int n = 1; n <= setup.nodes(); n++) {
          int i = n;
          row(table, "to node-" + n, all, s -> s.node() == i);
        }
      }
    }
    out.append(table).append('\n');
    if (setup.mode() == Mode.KILL) out.append(answeredAgain(all, d));
    if (result.notSent() > 0) {
      out.append(result.notSent()).append(" more were not sent: ").append(FailoverLoad.MAX_OUTSTANDING)
          .append(" requests were already unanswered.\n\n");
    }
    if (result.noNode() > 0) {
      out.append(result.noNode()).append(" more were not sent: no node was in rotation (their clients would have had ")
          .append("an error from the load balancer).\n\n");
    }
    out.append("A clean error is a non-200 answer in the OpenAI error envelope, or a stream that ends in an error event; ")
        .append("lost means no answer at all (timeout, reset, or a stream cut without `[DONE]` or an error event).\n\n");

    out.append("### By kind of ending\n\n");
    List<String> columns = new ArrayList<>(List.of("ending"));
    List<Predicate<Sent>> groups = new ArrayList<>();
    if (setup.mode() == Mode.ROLLING) {
      for (int n = 1; n <= setup.nodes(); n++) {
        int i = n;
        columns.add("node-" + n);
        groups.add(s -> s.node() == i);
      }
    } else {
      columns.add(setup.mode() == Mode.KILL ? "killed node" : "paused node");
      groups.add(s -> s.node() == node);
      columns.add(setup.mode() == Mode.KILL ? "survivors" : "others");
      groups.add(s -> s.node() != node);
    }
    columns.add("due from (s)");
    columns.add("due until (s)");
    columns.add("written from (s)");
    columns.add("written until (s)");
    columns.add("ended from (s)");
    columns.add("ended until (s)");
    MarkdownTable details = new MarkdownTable(columns.toArray(String[]::new));
    // Per ending: the count in each group, then the first and the last due time, the first and the last
    // time the client began writing one (of those it wrote), and the first and the last time an answer
    // ended (or the client gave up).
    int g0 = groups.size();
    Map<String, long[]> byDetail = new TreeMap<>();
    for (Sent s : all) {
      String key = s.outcome().kind().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + s.outcome().detail();
      long[] counts = byDetail.computeIfAbsent(key, k -> {
        long[] fresh = new long[g0 + 6];
        fresh[g0] = fresh[g0 + 2] = fresh[g0 + 4] = Long.MAX_VALUE;
        fresh[g0 + 1] = fresh[g0 + 3] = fresh[g0 + 5] = Long.MIN_VALUE;
        return fresh;
      });
      for (int g = 0; g < g0; g++) if (groups.get(g).test(s)) counts[g]++;
      counts[g0] = Math.min(counts[g0], s.dueMillis());
      counts[g0 + 1] = Math.max(counts[g0 + 1], s.dueMillis());
      if (s.writtenMillis() != Sent.NEVER) {
        counts[g0 + 2] = Math.min(counts[g0 + 2], s.writtenMillis());
        counts[g0 + 3] = Math.max(counts[g0 + 3], s.writtenMillis());
      }
      counts[g0 + 4] = Math.min(counts[g0 + 4], s.endMillis());
      counts[g0 + 5] = Math.max(counts[g0 + 5], s.endMillis());
    }
    byDetail.forEach((k, v) -> {
      Object[] cells = new Object[v.length + 1];
      cells[0] = k;
      for (int g = 0; g < g0; g++) cells[g + 1] = v[g];
      for (int t = 0; t < 6; t++) {
        long at = v[g0 + t];
        cells[g0 + 1 + t] = at == Long.MAX_VALUE || at == Long.MIN_VALUE ? "never" : seconds(at);
      }
      details.row(cells);
    });
    out.append(details).append('\n');

    // A few lost requests are worth reading one by one: when each was due, when it ended, on which node.
    List<Sent> lost = all.stream().filter(s -> s.outcome().kind() == Outcome.Kind.LOST)
        .sorted(java.util.Comparator.comparingLong(Sent::dueMillis)).toList();
    if (!lost.isEmpty() && lost.size() <= LOST_LISTED) {
      out.append("### Every lost request\n\n");
      MarkdownTable each = new MarkdownTable("node", "due (s)", "written (s)", "ended (s)", "kind", "ending");
      for (Sent s : lost) {
        each.row("node-" + s.node(), seconds(s.dueMillis()),
            s.writtenMillis() == Sent.NEVER ? "never" : seconds(s.writtenMillis()), seconds(s.endMillis()),
            s.stream() ? "stream" : "plain",
            s.outcome().detail());
      }
      out.append(each).append('\n');
    }

    out.append("## What the upstream saw\n\n");
    MarkdownTable up = new MarkdownTable("limit (requests/min)", "served", "refused with 429 (limit exceeded)",
        "lowest budget left", "busiest 60 s (arrivals)");
    up.row(upstream.perMinute(), upstream.served(), upstream.refused(), MarkdownTable.num(upstream.lowestLeft(), 1),
        upstream.busiestMinute());
    out.append(up).append('\n')
        .append(upstream.refused() == 0
            ? "The upstream never refused a request: its limit was not exceeded, before, during or after "
                + noun(setup.mode()) + ".\n\n"
            : "The upstream refused " + upstream.refused() + " requests: the gateway exceeded its limit.\n\n")
        .append("The budget refills continuously and starts full, so a 60-second window may hold up to the limit ")
        .append("plus what was saved before it; the 429 count and the lowest budget are the test.\n\n");

    out.append("## What happened\n\n");
    out.append("What the run did, and what it saw of each node (its `/ready` and its `/cluster/members`), from the start ")
        .append("of the load:\n\n");
    for (Timeline.Event e : result.events()) {
      out.append("- ").append(seconds(e.atMillis())).append(" s: ").append(e.action() ? "**" + e.what() + "**" : e.what())
          .append('\n');
    }
    out.append('\n');

    out.append("## Timeline (by due time, ").append(timelineMillis / 1000).append(" s buckets)\n\n");
    out.append("\"Written late\" is how long after its due time the client began writing the latest request of ")
        .append("the bucket: the load generator's own backlog on a starved machine. A request written after its node ")
        .append("has left rotation, or has closed its port, was sent there by this lateness, not by the balancer.\n\n");
    MarkdownTable timeline = new MarkdownTable("from (s)", "sent", "succeeded", "clean error", "unclean error", "lost",
        "written late (s)", "");
    long end = all.stream().mapToLong(Sent::dueMillis).max().orElse(0);
    for (long from = 0; from <= end; from += timelineMillis) {
      long f = from;
      List<Sent> bucket = all.stream().filter(s -> s.dueMillis() >= f && s.dueMillis() < f + timelineMillis).toList();
      Map<Outcome.Kind, Long> k = kinds(bucket);
      List<String> marks = result.events().stream()
          .filter(e -> e.action() && e.atMillis() >= f && e.atMillis() < f + timelineMillis)
          .map(Timeline.Event::what).toList();
      long late = bucket.stream().filter(s -> s.writtenMillis() != Sent.NEVER)
          .mapToLong(s -> s.writtenMillis() - s.dueMillis()).max().orElse(0);
      timeline.row(seconds(from), bucket.size(), k.get(Outcome.Kind.SUCCEEDED), k.get(Outcome.Kind.CLEAN_ERROR),
          k.get(Outcome.Kind.UNCLEAN_ERROR), k.get(Outcome.Kind.LOST), seconds(Math.max(0, late)), String.join("; ", marks));
    }
    out.append(timeline);
    return out.toString();
  }

  private static String title(Setup setup) {
    return switch (setup.mode()) {
      case KILL -> "Failover run: SIGKILL of one node of " + setup.nodes() + " under load";
      case PAUSE -> "Paused-node run: SIGSTOP of one node of " + setup.nodes() + " under load";
      case ROLLING -> "Rolling restart of " + setup.nodes() + " nodes under load";
    };
  }

  private static String what(Mode mode, Disruption d) {
    return switch (mode) {
      case KILL -> "node-" + d.node() + " killed with SIGKILL at " + seconds(d.fromMillis())
          + " s; from then on the load goes to the others only";
      case PAUSE -> "node-" + d.node() + " frozen with SIGSTOP at " + seconds(d.fromMillis()) + " s, resumed with SIGCONT at "
          + seconds(d.untilMillis()) + " s; out of rotation from the SIGSTOP until its `/ready` answers 200 again";
      case ROLLING -> "each node in turn: out of rotation, SIGTERM, waited for to exit, started again with the same "
          + "config, back in rotation once it is Up and its `/ready` answers 200; the load balancer also checks every "
          + "node's `/ready` every 250 ms and sends only to nodes that answer 200";
    };
  }

  private static String noun(Mode mode) {
    return switch (mode) {
      case KILL -> "the failover";
      case PAUSE -> "the pause";
      case ROLLING -> "the restarts";
    };
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

  static String seconds(long millis) {
    return MarkdownTable.num(millis / 1000.0, 1);
  }

  /**
   * Every request of a run, one line each in due order, for reading what a report sums up: node, due,
   * written (empty if never) and ended, in milliseconds from the start of the load, then kind and ending.
   */
  static String csv(List<Sent> requests) {
    StringBuilder out = new StringBuilder("node,due_ms,written_ms,ended_ms,stream,kind,ending\n");
    requests.stream().sorted(java.util.Comparator.comparingLong(Sent::dueMillis)).forEach(s -> out
        .append(s.node()).append(',').append(s.dueMillis()).append(',')
        .append(s.writtenMillis() == Sent.NEVER ? "" : Long.toString(s.writtenMillis())).append(',')
        .append(s.endMillis()).append(',').append(s.stream()).append(',')
        .append(s.outcome().kind().name().toLowerCase(Locale.ROOT)).append(',')
        .append('"').append(s.outcome().detail().replace("\"", "\"\"")).append("\"\n"));
    return out.toString();
  }
}
