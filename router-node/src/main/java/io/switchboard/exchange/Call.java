package io.switchboard.exchange;

import static java.util.Objects.requireNonNull;

import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.config.AutoRouteSettings;
import io.switchboard.keys.Caller;
import io.switchboard.routing.RequestTrace;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.util.ByteString;

/**
 * One client request, decoded once by its ingress and never read again as bytes: everything the steps
 * of {@link ChatPipeline} need. A request in Anthropic's dialect carries its translation as
 * {@code chat} (what routing, admission and the translating upstreams read) and its own bytes as
 * {@code anthropicBody} (what an Anthropic upstream is sent); one in OpenAI's carries its bytes as
 * {@code openAiBody}, forwarded untouched when the upstream speaks OpenAI under the same model name.
 *
 * @param trace the request id and the upstream time summed over its calls
 * @param startedNanos when the ingress began reading it ({@link System#nanoTime})
 * @param caller who sent it, as authentication found it
 * @param maxWait the client's own admission wait ({@code x-switchboard-max-wait}); empty: the provider's
 * @param cacheRequested whether the response cache applies (the key's opt-in or the request's header)
 * @param session the conversation the client named in {@code x-switchboard-session}; null when it named none
 * @param objective the request's own objective for an auto route (header or body field); null: the route's
 * @param fanOutDetail whether a fan-out's answer tells every candidate's outcome ({@code x-switchboard-fan-out-detail})
 */
public record Call(RequestTrace trace, long startedNanos, Caller caller, Dialect dialect, ChatCompletionRequest chat,
    ByteString openAiBody, ByteString anthropicBody, Optional<Duration> maxWait, boolean cacheRequested,
    String session, AutoRouteSettings.Objective objective, boolean fanOutDetail) {

  public Call {
    requireNonNull(trace, "trace");
    requireNonNull(caller, "caller");
    requireNonNull(dialect, "dialect");
    requireNonNull(chat, "chat");
    requireNonNull(maxWait, "maxWait");
    if ((dialect == Dialect.OPENAI) != (openAiBody != null) || (dialect == Dialect.ANTHROPIC) != (anthropicBody != null)) {
      throw new IllegalArgumentException("a call carries the client's bytes in its own dialect, and only those");
    }
  }

  /** A chat completion request as an OpenAI client sent it. */
  public static Call openAi(RequestTrace trace, long startedNanos, Caller caller, ChatCompletionRequest chat,
      ByteString body, Optional<Duration> maxWait, boolean cacheRequested) {
    return new Call(trace, startedNanos, caller, Dialect.OPENAI, chat, body, null, maxWait, cacheRequested, null, null, false);
  }

  /** A Messages request as an Anthropic client sent it ({@code body}), with its translation ({@code chat}). */
  public static Call anthropic(RequestTrace trace, long startedNanos, Caller caller, ChatCompletionRequest chat,
      ByteString body, Optional<Duration> maxWait, boolean cacheRequested) {
    return new Call(trace, startedNanos, caller, Dialect.ANTHROPIC, chat, null, body, maxWait, cacheRequested, null, null, false);
  }

  /** This call, in the conversation {@code named} ({@code x-switchboard-session}; null: none). */
  public Call inSession(String named) {
    return new Call(trace, startedNanos, caller, dialect, chat, openAiBody, anthropicBody, maxWait, cacheRequested, named,
        objective, fanOutDetail);
  }

  /** This call with the client's own objective for an auto route. */
  public Call withObjective(AutoRouteSettings.Objective asked) {
    return new Call(trace, startedNanos, caller, dialect, chat, openAiBody, anthropicBody, maxWait, cacheRequested, session,
        asked, fanOutDetail);
  }

  /** This call, asking a fan-out for every candidate's outcome when {@code detail}. */
  public Call withFanOutDetail(boolean detail) {
    return new Call(trace, startedNanos, caller, dialect, chat, openAiBody, anthropicBody, maxWait, cacheRequested, session,
        objective, detail);
  }

  public String requestId() {
    return trace.requestId();
  }

  public String model() {
    return chat.model();
  }

  /** The client's own bytes, whichever dialect they are in. */
  public ByteString clientBody() {
    return openAiBody != null ? openAiBody : anthropicBody;
  }
}
