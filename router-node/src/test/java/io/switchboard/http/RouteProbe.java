package io.switchboard.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the (method, path) pairs a running node serves, without a list of them: a route tree cannot be
 * asked what it matches, so it is probed. The candidate paths come from the node's sources (every
 * literal given to a path directive, and every {@code GET /a/b}-like mention of a route in a string or
 * comment), from the paths given to {@link #seed}, and from the values a test gives for parameters
 * (model, provider and key names). Literals are read only from files that use Pekko's routing DSL, so a
 * {@code json.path("usage")} elsewhere adds no candidate. Each candidate is asked with {@code GET}; one that is not answered
 * 404 {@code unknown_url} is served, asked with every method, and has its children probed in turn.
 *
 * <p>An operation counts as served when its answer is neither 404 {@code unknown_url} nor 405: a 400 for
 * an empty body, a 401 or a 404 for an unknown id all come from a handler.
 */
final class RouteProbe {
  static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");
  private static final int MAX_DEPTH = 6;
  private static final int MAX_PATHS = 20_000;
  private static final String STRAY = "stray-probe-segment";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DIRECTIVE_LITERAL =
      Pattern.compile("\\b(?:path|pathPrefix|pathSuffix|segment|slash)\\(\\s*\"([^\"]+)\"");
  private static final Pattern MENTIONED_ROUTE =
      Pattern.compile("\\b(?:GET|POST|PUT|PATCH|DELETE)(?:\\|(?:GET|POST|PUT|PATCH|DELETE))*\\s+(/[A-Za-z0-9_.{}/-]*)");

  /** One served operation, with the concrete path it was found at. */
  record Served(String method, String path, int status) {
    @Override
    public String toString() {
      return method + " " + path + " (answered " + status + ")";
    }
  }

  private final Function<HttpRequest.Builder, HttpResponse<String>> send;
  private final Function<String, HttpRequest.Builder> request;
  private final Set<String> words = new TreeSet<>();
  private final Set<String> seeds = new LinkedHashSet<>();

  /**
   * @param request a request to a path, with whatever credentials that path needs
   * @param send sends it
   */
  RouteProbe(Function<String, HttpRequest.Builder> request, Function<HttpRequest.Builder, HttpResponse<String>> send) {
    this.request = request;
    this.send = send;
  }

  /** Harvests path literals and mentioned routes from every Java source under {@code sources}. */
  RouteProbe harvest(Path sources) {
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String text = Files.readString(file);
        Matcher literal = DIRECTIVE_LITERAL.matcher(text.contains("org.apache.pekko.http.javadsl.server") ? text : "");
        while (literal.find()) {
          for (String part : literal.group(1).split("/")) if (!part.isEmpty()) words.add(part);
        }
        Matcher route = MENTIONED_ROUTE.matcher(text);
        while (route.find()) seed(trimmed(route.group(1)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Paths to start from (templates allowed); each of their prefixes is probed with every word beneath it. */
  RouteProbe seed(String path) {
    seeds.add(path);
    return this;
  }

  /** Values tried for each path parameter and as path segments (names of models, providers, keys). */
  RouteProbe values(Collection<String> values) {
    words.addAll(values);
    parameterValues.addAll(values);
    return this;
  }

  private final Set<String> parameterValues = new LinkedHashSet<>();

  /** Every operation the node serves among the candidates, in the order found. */
  Set<Served> served() {
    Set<String> asked = new LinkedHashSet<>();
    Deque<String> queue = new ArrayDeque<>();
    for (String seed : seeds) {
      for (String concrete : expand(seed)) {
        queue.add(concrete);
        for (String prefix = parent(concrete); prefix != null; prefix = parent(prefix)) {
          queue.add(prefix);
          for (String word : words) queue.add(child(prefix, word));
        }
      }
    }
    Set<Served> served = new LinkedHashSet<>();
    while (!queue.isEmpty()) {
      String path = queue.poll();
      if (!asked.add(path)) continue;
      if (asked.size() > MAX_PATHS) {
        throw new AssertionError("more than " + MAX_PATHS + " paths probed; is a route matching without end?");
      }
      if (!servedAt(path, served) || depth(path) >= MAX_DEPTH) continue;
      // A route that takes the rest of the path (a model name with slashes) serves every child: one
      // stray child stands for them all, instead of probing beneath it without end.
      String stray = child(path, STRAY);
      if (servedAt(stray, served)) continue;
      for (String word : words) queue.add(child(path, word));
    }
    return served;
  }

  /** Probes {@code path} with every method, adding what it serves; whether it serves anything. */
  private boolean servedAt(String path, Set<Served> served) {
    if (unknown(ask("GET", path))) return false;
    for (String method : METHODS) {
      HttpResponse<String> answer = ask(method, path);
      if (!unknown(answer) && answer.statusCode() != 405) served.add(new Served(method, path, answer.statusCode()));
    }
    return true;
  }

  private HttpResponse<String> ask(String method, String path) {
    HttpRequest.Builder builder = request.apply(path).header("Content-Type", "application/json");
    return send.apply(method.equals("GET") || method.equals("DELETE")
        ? builder.method(method, HttpRequest.BodyPublishers.noBody())
        : builder.method(method, HttpRequest.BodyPublishers.ofString("")));
  }

  /** The routes' answer to a path none of them matches. */
  static boolean unknown(HttpResponse<String> answer) {
    if (answer.statusCode() != 404) return false;
    try {
      JsonNode body = JSON.readTree(answer.body());
      return body != null && "unknown_url".equals(body.path("error").path("code").asText());
    } catch (IOException notJson) {
      return false;
    }
  }

  /** {@code template} with each {@code {parameter}} replaced by each parameter value (one combination per value). */
  private List<String> expand(String template) {
    if (!template.contains("{")) return List.of(template);
    return parameterValues.stream().map(v -> template.replaceAll("\\{[^}/]*}", v)).toList();
  }

  private static String trimmed(String mention) {
    String path = mention;
    while (path.length() > 1 && (path.endsWith(".") || path.endsWith("/")
        || path.chars().filter(c -> c == '}').count() > path.chars().filter(c -> c == '{').count())) {
      path = path.substring(0, path.length() - 1);
    }
    return path;
  }

  private static String parent(String path) {
    if (path.equals("/")) return null;
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  private static String child(String path, String word) {
    return path.equals("/") ? "/" + word : path + "/" + word;
  }

  private static int depth(String path) {
    return (int) path.chars().filter(c -> c == '/').count();
  }
}
