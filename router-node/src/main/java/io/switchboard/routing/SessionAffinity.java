package io.switchboard.routing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.switchboard.config.AffinitySettings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Keeps the requests of one conversation on the deployment that last served it, so a provider's prompt
 * cache hits. It overrides the balancing strategy's first choice, whatever the strategy: the pinned
 * deployment goes first and the others follow as fallbacks in their usual order. When the pinned one
 * cannot serve (breaker open, failures, no admission) the dispatcher falls back as for any request, and
 * the deployment that served instead becomes the conversation's, so it stays there.
 *
 * <p>Per node and bounded: at most {@code affinity.max-sessions} conversations (least recently used
 * forgotten first), each forgotten after {@code affinity.expire-after-access} unseen. In a cluster a
 * conversation keeps its deployment when a load balancer sends it to one node (hashing on the
 * {@value #HEADER} header); on another node it is balanced afresh and pinned there.
 *
 * <pre>{@code
 * List<Deployment> order = affinity.order(model, session, router.route(model).orElseThrow());
 * ... dispatch ...
 * affinity.served(model, session, dispatched.deployment());
 * }</pre>
 */
public final class SessionAffinity {
  /** The request header that names a conversation. */
  public static final String HEADER = "x-switchboard-session";
  /** Longer session names are kept as a fixed-size digest, so a huge header cannot take memory. */
  static final int MAX_SESSION_CHARS = 128;

  /** No affinity: every request is balanced on its own. */
  public static final SessionAffinity OFF = new SessionAffinity(null, false);

  private record Conversation(String model, String session) {}

  private final Cache<Conversation, String> pinned;
  private final boolean userField;

  private SessionAffinity(Cache<Conversation, String> pinned, boolean userField) {
    this.pinned = pinned;
    this.userField = userField;
  }

  public static SessionAffinity of(AffinitySettings settings, Ticker ticker) {
    if (!settings.enabled()) return OFF;
    return new SessionAffinity(Caffeine.newBuilder()
        .maximumSize(settings.maxSessions())
        .expireAfterAccess(settings.expireAfterAccess())
        .ticker(ticker)
        .executor(Runnable::run)
        .build(), settings.userField());
  }

  /** The conversation a request belongs to: its header, else its user field (when enabled); null for none. */
  public String session(String header, String user) {
    if (pinned == null) return null;
    String named = header != null && !header.isBlank() ? header : userField && user != null && !user.isBlank() ? user : null;
    if (named == null || named.length() <= MAX_SESSION_CHARS) return named;
    return UUID.nameUUIDFromBytes(named.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** {@code routed} with the conversation's deployment first, when it has one among them. */
  public List<Deployment> order(String model, String session, List<Deployment> routed) {
    if (pinned == null || session == null) return routed;
    String label = pinned.getIfPresent(new Conversation(model, session));
    if (label == null || routed.get(0).label().equals(label)) return routed;
    Deployment first = null;
    for (Deployment d : routed) {
      if (d.label().equals(label)) first = d;
    }
    if (first == null) return routed;
    List<Deployment> order = new ArrayList<>(routed.size());
    order.add(first);
    for (Deployment d : routed) {
      if (d != first) order.add(d);
    }
    return order;
  }

  /** {@code deployment} served the conversation: its next requests go there first. */
  public void served(String model, String session, Deployment deployment) {
    if (pinned == null || session == null) return;
    Conversation conversation = new Conversation(model, session);
    if (!deployment.label().equals(pinned.getIfPresent(conversation))) pinned.put(conversation, deployment.label());
  }

  /** Conversations remembered now (approximate). */
  public long size() {
    return pinned == null ? 0 : pinned.estimatedSize();
  }
}
