package io.switchboard.bench.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.bench.load.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Asks a local cluster's nodes how they are: the gateway's own {@code GET /ready} on the HTTP port,
 * and Pekko Management's {@code GET /cluster/members} on the management port, whose answer lists
 * every member with its status as this node sees it. A cluster is up when every node is ready and
 * every node sees all of them {@code Up} and none unreachable: then membership has converged.
 */
public final class ClusterProbe {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration POLL = Duration.ofMillis(500);

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
  private final ObjectMapper mapper = new ObjectMapper();

  /** One member as {@code /cluster/members} lists it, e.g. {@code pekko://switchboard@127.0.0.1:25521}, Up. */
  public record Member(String address, String status) {}

  /** What one node sees of the cluster. */
  public record Membership(List<Member> members, List<String> unreachable) {
    public long up() {
      return members.stream().filter(m -> m.status().equals("Up")).count();
    }
  }

  /** The members and unreachable nodes in a {@code /cluster/members} answer. */
  public static Membership parseMembers(JsonNode json) {
    List<Member> members = new ArrayList<>();
    for (JsonNode m : json.path("members")) members.add(new Member(m.path("node").asText(), m.path("status").asText()));
    List<String> unreachable = new ArrayList<>();
    for (JsonNode u : json.path("unreachable")) unreachable.add(u.path("node").asText(u.asText()));
    return new Membership(members, unreachable);
  }

  /** Whether the node's HTTP port answers {@code /ready} with 200. */
  public boolean ready(ClusterLayout.Node node) {
    return readyStatus(node) == 200;
  }

  /** The status of the node's {@code /ready}, or -1 when its HTTP port does not answer. */
  public int readyStatus(ClusterLayout.Node node) {
    return status(URI.create(node.httpUrl() + "/ready"));
  }

  /** The node's view of the cluster, or null when its management port does not answer. */
  public Membership members(ClusterLayout.Node node) {
    try {
      HttpResponse<String> response = client.send(get(URI.create(node.managementUrl() + "/cluster/members")),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? parseMembers(mapper.readTree(response.body())) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** One line per node: ready or not, and how many members it sees Up. */
  public List<String> describe(List<ClusterLayout.Node> nodes) {
    List<String> lines = new ArrayList<>();
    for (ClusterLayout.Node node : nodes) {
      Membership m = members(node);
      lines.add(String.format("%s  http %s  %s  cluster %s:%d  management %s  members: %s", node.name(),
          node.httpUrl(), ready(node) ? "ready" : "NOT ready", node.host(), node.clusterPort(), node.managementUrl(),
          m == null ? "no answer" : m.up() + " Up of " + m.members().size()
              + (m.unreachable().isEmpty() ? "" : ", unreachable " + m.unreachable())));
    }
    return lines;
  }

  /**
   * Polls until every node in {@code nodes} is ready and sees exactly {@code expected} members Up and
   * none unreachable, or {@code timeout} passes; {@code progress} hears each change of what is missing.
   *
   * @return whether the cluster came up in time
   */
  public boolean awaitUp(List<ClusterLayout.Node> nodes, int expected, Duration timeout, Consumer<String> progress)
      throws InterruptedException {
    String[] last = {""};
    return Await.until(() -> {
      String missing = missing(nodes, expected);
      if (!missing.isEmpty() && !missing.equals(last[0])) progress.accept("waiting: " + missing);
      last[0] = missing;
      return missing.isEmpty();
    }, timeout, POLL);
  }

  private String missing(List<ClusterLayout.Node> nodes, int expected) {
    List<String> missing = new ArrayList<>();
    for (ClusterLayout.Node node : nodes) {
      if (!ready(node)) {
        missing.add(node.name() + " not ready");
        continue;
      }
      Membership m = members(node);
      if (m == null) {
        missing.add(node.name() + " management not answering");
      } else if (m.up() != expected || !m.unreachable().isEmpty()) {
        missing.add(node.name() + " sees " + m.up() + "/" + expected + " Up"
            + (m.unreachable().isEmpty() ? "" : ", " + m.unreachable().size() + " unreachable"));
      }
    }
    return String.join("; ", missing);
  }

  private int status(URI uri) {
    try {
      return client.send(get(uri), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static HttpRequest get(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build();
  }
}
