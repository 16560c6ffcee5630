package io.switchboard.bench.load;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a wrk run printed: requests per second, its latency percentiles, errors of any kind, and how many
 * requests completed in all (the divisor of a server's CPU per request over the run).
 */
public record WrkReport(double requestsPerSecond, String p50, String p99, long errors, long requests) {
  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
  private static final Pattern SOCKET = Pattern.compile(
      "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

  /** Parses wrk's output (run with {@code --latency}). */
  public static WrkReport parse(String out) {
    Matcher rps = RPS.matcher(out);
    double perSecond = rps.find() ? Double.parseDouble(rps.group(1)) : 0;
    long errors = 0;
    Matcher non2xx = NON_2XX.matcher(out);
    if (non2xx.find()) errors += Long.parseLong(non2xx.group(1));
    Matcher socket = SOCKET.matcher(out);
    if (socket.find()) {
      for (int g = 1; g <= 4; g++) errors += Long.parseLong(socket.group(g));
    }
    Matcher requests = REQUESTS.matcher(out);
    long count = requests.find() ? Long.parseLong(requests.group(1)) : 0;
    return new WrkReport(perSecond, percentile(out, "50%"), percentile(out, "99%"), errors, count);
  }

  private static String percentile(String out, String label) {
    Matcher m = Pattern.compile("(?m)^\\s+" + Pattern.quote(label) + "\\s+(\\S+)").matcher(out);
    return m.find() ? m.group(1) : "–";
  }

  /** A wrk Lua script that POSTs {@code body} as JSON. */
  static String luaScript(String body) {
    String quoted = body.replace("\\", "\\\\").replace("\"", "\\\"");
    return "wrk.method = \"POST\"\n"
        + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        + "wrk.body = \"" + quoted + "\"\n";
  }
}
