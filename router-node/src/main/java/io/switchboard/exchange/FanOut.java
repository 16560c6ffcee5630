package io.switchboard.exchange;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.cache.StreamReplay;
import io.switchboard.config.FanOutSettings;
import io.switchboard.history.HistorySummary;
import io.switchboard.keys.ModelNotAllowedException;
import io.switchboard.logging.RequestLog;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.AdmissionRejectedException;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.routing.ClientGoneException;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import io.switchboard.routing.HeldEvents;
import io.switchboard.routing.ModelRouter;
import io.switchboard.routing.RequestTrace;
import io.switchboard.routing.StreamStart;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a fan-out ({@code switchboard.fan-outs}): one client request sent to several candidate models,
 * one answer made from theirs by the fan-out's strategy.
 *
 * <ul>
 *   <li>{@code first}: candidates start at once, or each after the hedge delay while no answer has come
 *       (and at once when one before it fails); the first good answer wins and every other call is
 *       cancelled, its upstream connection closed. For a stream, the winner is the first candidate to send
 *       a content token; only it reaches the client.
 *   <li>{@code vote}: candidates answer whole; the answer a quorum agrees on ({@link Consensus}) is returned
 *       as soon as the quorum is reached, and the calls still running are cancelled.
 *   <li>{@code judge}: candidates answer whole; the judge model picks one ({@link FanOutPrompts#judge}).
 *   <li>{@code fuse}: candidates answer whole; the fuser model writes the answer, streamed when asked.
 * </ul>
 *
 * <p>Every call, the judge's and the fuser's too, is made by {@link ChatPipeline} as a candidate: the key's
 * limits and budget, the provider's admission, retries, breakers, its own usage record (the request's id,
 * the fan-out's name as its route) and its own settlement. All share the request's deadline, and the
 * client's departure cancels them all. A candidate that fails or times out ({@code candidate-timeout})
 * is left out, and the others go on while enough remain. Answers are in OpenAI's dialect: the ingress
 * translates them for an Anthropic caller.
 */
public final class FanOut {
  private static final Logger log = LoggerFactory.getLogger(FanOut.class);

  /** The request header that asks for every candidate's outcome in {@value #CANDIDATES_HEADER}. */
  public static final String DETAIL_HEADER = "x-switchboard-fan-out-detail";
  static final String CANDIDATES_HEADER = "x-switchboard-fan-out-candidates";
  static final String CONSENSUS_HEADER = "x-switchboard-consensus";
  static final String JUDGE_CHOICE_HEADER = "x-switchboard-judge-choice";
  static final String JUDGE_REASON_HEADER = "x-switchboard-judge-reason";
  static final String FUSED_HEADER = "x-switchboard-fused";

  /** One call of a fan-out through the normal path, to {@code model}; see {@link ChatPipeline}. */
  @FunctionalInterface
  interface Candidates {
    CompletionStage<Answer> call(Call call, String model, String reason);
  }

  /** What the node's fan-outs need beside the pipeline. */
  public record Setup(Map<String, FanOutSettings> fanOuts, ActorSystem<?> system, ObjectMapper mapper) {
    /** No fan-outs. */
    public static final Setup NONE = new Setup(Map.of(), null, null);
  }

  private final Map<String, FanOutSettings> fanOuts;
  private final Candidates candidates;
  private final ModelRouter router;
  private final Telemetry telemetry;
  private final StreamReplay replay;
  private final ObjectMapper mapper;
  private final ActorSystem<?> system;
  private final Materializer materializer;

  FanOut(Setup setup, Candidates candidates, ModelRouter router, Telemetry telemetry, StreamReplay replay) {
    this.fanOuts = Map.copyOf(setup.fanOuts());
    this.candidates = candidates;
    this.router = router;
    this.telemetry = telemetry;
    this.replay = replay;
    this.mapper = setup.mapper();
    this.system = setup.system();
    this.materializer = system == null ? null : Materializer.matFromSystem(system);
  }

  /** Whether {@code model} names a fan-out. */
  boolean serves(String model) {
    return fanOuts.containsKey(model);
  }

  CompletionStage<Answer> serve(Call call) {
    FanOutSettings settings = fanOuts.get(call.model());
    call.caller().key().filter(key -> !key.mayUse(call.model())).ifPresent(key -> {
      throw new ModelNotAllowedException(key, call.model());
    });
    Run run = new Run(call, settings);
    long began = System.nanoTime();
    CompletionStage<Answer> answer = switch (settings.strategy()) {
      case FIRST -> run.first();
      case VOTE -> run.vote();
      case JUDGE -> run.judge();
      case FUSE -> run.fuse();
    };
    return answer.whenComplete((ok, error) -> {
      // The candidates' calls overlap: the fan-out's span is the upstream time its overhead excludes.
      call.trace().addFannedOut(System.nanoTime() - began);
      Throwable cause = error == null ? null : unwrap(error);
      String outcome = cause == null ? "answered" : cause instanceof NoConsensusException ? "no_consensus"
          : cause instanceof ClientGoneException ? "client_gone" : "failed";
      telemetry.fanOutEnded(settings.name(), settings.strategy().configName(), outcome);
      if (error == null) telemetry.requestEnded(call.model(), null, null, System.nanoTime() - call.startedNanos(), null);
    });
  }

  /** One candidate of one request: its call's state, for the answer's detail header. */
  private static final class Slot {
    final int index;
    final String model;
    final String role;
    /** Completed to cancel the call: its upstream connection is closed. */
    final CompletableFuture<Void> cancel = new CompletableFuture<>();
    volatile String state = "not started";
    volatile long startedNanos;
    volatile long endedNanos;
    volatile RequestTrace trace;

    Slot(int index, String model, String role) {
      this.index = index;
      this.model = model;
      this.role = role;
    }

    boolean running() {
      return "running".equals(state);
    }

    /** Cancels the call if it is still running, saying why in its state. */
    void stop(String why) {
      synchronized (this) {
        if (running()) {
          state = why;
          endedNanos = System.nanoTime();
        }
      }
      cancel.complete(null);
    }

    void ended(String outcome) {
      synchronized (this) {
        if (running()) {
          state = outcome;
          endedNanos = System.nanoTime();
        }
      }
    }

    String describe() {
      String took = startedNanos == 0 ? "" : " " + ((endedNanos == 0 ? System.nanoTime() : endedNanos) - startedNanos)
          / 1_000_000 + "ms";
      return role + " " + model + "=" + state + took;
    }
  }

  /** One answer a candidate gave. */
  private record Answered(Slot slot, Answer answer) {}

  /** One fan-out request. */
  private final class Run {
    private final Call call;
    private final FanOutSettings settings;
    private final List<Slot> slots;
    private final String strategy;

    Run(Call call, FanOutSettings settings) {
      this.call = call;
      this.settings = settings;
      this.strategy = settings.strategy().configName();
      this.slots = IntStream.range(0, settings.candidates().size())
          .mapToObj(i -> new Slot(i, settings.candidates().get(i), "candidate")).toList();
    }

    // ---- first ----------------------------------------------------------------------------------

    CompletionStage<Answer> first() {
      CompletableFuture<Answered> winner = new CompletableFuture<>();
      java.util.concurrent.atomic.AtomicBoolean decided = new java.util.concurrent.atomic.AtomicBoolean();
      AtomicInteger launched = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      Duration delay = hedgeDelay();
      boolean stream = call.chat().isStream();
      Launcher launcher = new Launcher() {
        @Override
        public void from(int index, boolean hedge) {
          if (index >= slots.size() || decided.get() || !launched.compareAndSet(index, index + 1)) return;
          if (hedge) telemetry.hedgeFired(settings.name());
          Slot slot = slots.get(index);
          started(slot, stream).thenCompose(answer -> answer instanceof Answer.Streaming s
                  ? firstToken(slot, s) : CompletableFuture.completedFuture(answer))
              .whenComplete((answer, error) -> {
                if (error == null) {
                  if (decided.compareAndSet(false, true)) {
                    slot.ended("won");
                    slots.stream().filter(other -> other != slot).forEach(other -> other.stop("cancelled"));
                    if (slot.index > 0) telemetry.hedgeWon(settings.name());
                    winner.complete(new Answered(slot, answer));
                  } else {
                    slot.ended("answered, not used");
                    discard(slot, answer);
                  }
                  return;
                }
                slot.ended(failure(error));
                if (failed.incrementAndGet() == slots.size()) {
                  winner.completeExceptionally(unwrap(error));
                } else {
                  from(launched.get(), false);
                }
              });
          if (!delay.isZero() && index + 1 < slots.size()) {
            schedule(delay, () -> from(index + 1, true));
          }
        }
      };
      if (delay.isZero()) {
        for (int i = 0; i < slots.size(); i++) launcher.from(i, false);
      } else {
        launcher.from(0, false);
      }
      return winner.thenApply(won -> served(won.answer(), won.slot(), Map.of()));
    }

    /** The hedge delay: the configured one, or the first candidate's observed latency percentile. */
    private Duration hedgeDelay() {
      FanOutSettings.Hedge hedge = settings.hedge();
      if (hedge.percentile() == 0) return hedge.delay();
      Optional<Deployment> first = router.route(settings.candidates().get(0)).flatMap(d -> d.stream().findFirst());
      if (first.isEmpty()) return hedge.delay();
      HistorySummary summary = telemetry.summary(first.get().label());
      if (summary.outcomes() == 0) return hedge.delay();
      long millis = hedge.percentile() == 90 ? summary.latencyP90Millis() : summary.latencyP50Millis();
      return millis > 0 ? Duration.ofMillis(millis) : hedge.delay();
    }

    /**
     * A candidate's stream once its first content token has come (the events before it held and put back
     * in front); the call is cut when the candidate is cancelled or the client leaves.
     */
    private CompletionStage<Answer> firstToken(Slot slot, Answer.Streaming streaming) {
      SharedKillSwitch kill = KillSwitches.shared("fan-out-" + settings.name() + "-" + slot.index);
      slot.trace.clientGone().whenComplete((gone, error) -> kill.abort(new ClientGoneException()));
      Source<ByteString, NotUsed> events = streaming.events().via(kill.flow());
      return untilToken(events, new ArrayList<>()).handle((resumed, error) -> {
        if (error != null) {
          Throwable cause = unwrap(error);
          streaming.settle().accept(cause instanceof ClientGoneException ? CallOutcome.NOT_SENT : outcomeOf(cause));
          throw new CompletionException(cause);
        }
        return new Answer.Streaming(resumed, streaming.dialect(), streaming.served(), streaming.signals(),
            streaming.settle(), streaming.recorded());
      });
    }

    private CompletionStage<Source<ByteString, NotUsed>> untilToken(Source<ByteString, NotUsed> events,
        List<ByteString> held) {
      return events.prefixAndTail(1).runWith(Sink.head(), materializer).thenCompose(split -> {
        if (split.first().isEmpty()) {
          return CompletableFuture.failedFuture(new UpstreamException(UpstreamException.Kind.EMPTY_RESPONSE, "",
              "The upstream's stream ended before its first token."));
        }
        held.addAll(split.first());
        Source<ByteString, NotUsed> rest = split.second();
        if (StreamStart.carriesToken(split.first().get(0))) {
          return CompletableFuture.completedFuture(HeldEvents.before(held, rest));
        }
        return untilToken(rest, held);
      });
    }

    /** An answer that came after the winner's: a stream is cut and settled; a whole answer is settled already. */
    private void discard(Slot slot, Answer answer) {
      slot.cancel.complete(null);
      if (answer instanceof Answer.Streaming s) s.settle().accept(CallOutcome.NOT_SENT);
    }

    // ---- vote -----------------------------------------------------------------------------------

    CompletionStage<Answer> vote() {
      FanOutSettings.Vote vote = settings.vote();
      int quorum = vote.quorumOf(slots.size());
      Consensus consensus = new Consensus(vote, mapper);
      CompletableFuture<Answer> decided = new CompletableFuture<>();
      List<Answered> answers = new ArrayList<>();
      List<String> keys = new ArrayList<>();
      List<Throwable> failures = new ArrayList<>();
      for (Slot slot : slots) {
        started(slot, false).whenComplete((answer, error) -> {
          synchronized (answers) {
            if (error == null) {
              slot.ended("answered");
              // Kept in candidate order, so that a tie goes to the candidate listed first, whatever came first.
              int at = 0;
              while (at < answers.size() && answers.get(at).slot().index < slot.index) at++;
              answers.add(at, new Answered(slot, answer));
              keys.add(at, consensus.key(((Answer.Complete) answer).body()));
            } else {
              slot.ended(failure(error));
              failures.add(unwrap(error));
            }
            if (decided.isDone()) return;
            int pending = slots.size() - answers.size() - failures.size();
            List<List<Integer>> groups = Consensus.groups(keys);
            int biggest = groups.isEmpty() ? 0 : groups.get(0).size();
            if (biggest >= quorum) {
              Answered chosen = answers.get(groups.get(0).get(0));
              slots.forEach(other -> other.stop("cancelled"));
              decided.complete(whole(chosen, Map.of(CONSENSUS_HEADER, biggest + "/" + slots.size())));
            } else if (pending == 0 || (biggest + pending < quorum && vote.noQuorum() == FanOutSettings.NoQuorum.ERROR)) {
              slots.forEach(other -> other.stop("cancelled"));
              if (answers.isEmpty()) {
                decided.completeExceptionally(failures.get(0));
              } else if (vote.noQuorum() == FanOutSettings.NoQuorum.BEST) {
                Answered chosen = answers.get(groups.get(0).get(0));
                decided.complete(whole(chosen,
                    Map.of(CONSENSUS_HEADER, biggest + "/" + slots.size() + "; no quorum (" + quorum + " needed)")));
              } else {
                decided.completeExceptionally(new NoConsensusException(split(answers, groups, failures.size(), quorum)));
              }
            }
          }
        });
      }
      return decided;
    }

    private String split(List<Answered> answers, List<List<Integer>> groups, int failed, int quorum) {
      String groupsText = groups.stream()
          .map(g -> g.stream().map(i -> answers.get(i).slot().model).collect(Collectors.joining(", ", "[", "]")))
          .collect(Collectors.joining(" vs "));
      return "The candidates of fan-out '" + settings.name() + "' did not agree: " + quorum + " of " + slots.size()
          + " needed the same answer; the answers split " + groupsText
          + (failed > 0 ? ", and " + failed + " candidate(s) gave no answer" : "") + ".";
    }

    // ---- judge and fuse -------------------------------------------------------------------------

    CompletionStage<Answer> judge() {
      return everyAnswer().thenCompose(answers -> {
        if (answers.size() == 1) {
          return CompletableFuture.completedFuture(whole(answers.get(0), Map.of(
              JUDGE_CHOICE_HEADER, "1 " + answers.get(0).slot().model,
              JUDGE_REASON_HEADER, "the only candidate that answered; the judge was not asked")));
        }
        Slot judge = new Slot(slots.size(), settings.judge().model(), "judge");
        ChatCompletionRequest ask = FanOutPrompts.judge(call.model(), call.chat(), texts(answers),
            settings.judge().rubric());
        return started(judge, ask, false).handle((reply, error) -> {
          FanOutPrompts.Verdict verdict;
          if (error != null) {
            judge.ended(failure(error));
            verdict = new FanOutPrompts.Verdict(0, "the judge failed (" + failure(error) + "); the first answer kept",
                false);
          } else {
            judge.ended("answered");
            verdict = FanOutPrompts.verdict(Consensus.text(tree(((Answer.Complete) reply).body())), answers.size(),
                mapper);
          }
          Answered chosen = answers.get(verdict.index());
          RequestLog.with(call.requestId(), () -> log.info("fan-out '{}': the judge chose {} ({})", settings.name(),
              chosen.slot().model, verdict.reason()));
          return whole(chosen, Map.of(JUDGE_CHOICE_HEADER, (verdict.index() + 1) + " " + chosen.slot().model,
              JUDGE_REASON_HEADER, verdict.reason()), judge);
        });
      });
    }

    CompletionStage<Answer> fuse() {
      return everyAnswer().thenCompose(answers -> {
        Slot fuser = new Slot(slots.size(), settings.fuse().model(), "fuser");
        ChatCompletionRequest ask = FanOutPrompts.fuse(call.model(), call.chat(), texts(answers),
            settings.fuse().instructions(), call.chat().isStream());
        return started(fuser, ask, call.chat().isStream()).whenComplete((a, e) -> fuser.ended(e == null ? "answered"
                : failure(e)))
            .thenApply(answer -> served(answer, fuser, Map.of(FUSED_HEADER, answers.size() + " drafts: " + answers
                .stream().map(a -> a.slot().model).collect(Collectors.joining(", "))), fuser));
      });
    }

    /** Every candidate's whole answer, in candidate order; fails when none answered. */
    private CompletionStage<List<Answered>> everyAnswer() {
      List<CompletableFuture<Answered>> calls = new ArrayList<>();
      for (Slot slot : slots) {
        calls.add(started(slot, false).handle((answer, error) -> {
          slot.ended(error == null ? "answered" : failure(error));
          if (error != null) throw new CompletionException(unwrap(error));
          return new Answered(slot, answer);
        }).toCompletableFuture());
      }
      return CompletableFuture.allOf(calls.stream().map(c -> c.exceptionally(e -> null))
              .toArray(CompletableFuture[]::new))
          .thenApply(all -> {
            List<Answered> answers = calls.stream().filter(c -> !c.isCompletedExceptionally()).map(CompletableFuture::join)
                .toList();
            if (answers.isEmpty()) {
              throw new CompletionException(calls.stream().filter(CompletableFuture::isCompletedExceptionally)
                  .findFirst().map(c -> unwrap(c.handle((ok, e) -> e).join())).orElseThrow());
            }
            return answers;
          });
    }

    private List<String> texts(List<Answered> answers) {
      return answers.stream().map(a -> {
        JsonNode completion = tree(((Answer.Complete) a.answer()).body());
        String text = Consensus.text(completion);
        if (!text.isEmpty()) return text;
        JsonNode tools = completion.path("choices").path(0).path("message").path("tool_calls");
        return tools.isMissingNode() ? "" : "(tool calls) " + tools;
      }).toList();
    }

    // ---- shared ---------------------------------------------------------------------------------

    /** Starts {@code slot}'s call with the client's conversation, streaming or not. */
    private CompletionStage<Answer> started(Slot slot, boolean stream) {
      return started(slot, asCandidate(call.chat(), stream), stream);
    }

    private CompletionStage<Answer> started(Slot slot, ChatCompletionRequest chat, boolean stream) {
      slot.trace = call.trace().branch(slot.cancel);
      slot.startedNanos = System.nanoTime();
      slot.state = "running";
      Duration timeout = settings.candidateTimeout();
      if (!timeout.isZero() && slot.role.equals("candidate")) schedule(timeout, () -> slot.stop("timed out"));
      Call branch = new Call(slot.trace, call.startedNanos(), call.caller(), Dialect.OPENAI, chat, bytes(chat), null,
          call.maxWait(), false, call.session(), call.objective(), call.fanOutDetail());
      String reason = "fan-out " + settings.name() + " (" + strategy + "): " + slot.role
          + (slot.role.equals("candidate") ? " " + (slot.index + 1) + " of " + slots.size() : "") + ", " + slot.model;
      try {
        return candidates.call(branch, slot.model, reason);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    /** A whole answer as the client asked for it: whole, or replayed as a stream. */
    private Answer whole(Answered chosen, Map<String, String> headers, Slot... extra) {
      Answer.Complete complete = (Answer.Complete) chosen.answer();
      if (!call.chat().isStream()) return served(complete, chosen.slot(), headers, extra);
      Source<ByteString, NotUsed> events = Source.from(replay.events(complete.body(), call.chat().includeUsage()));
      return served(new Answer.Streaming(events, Dialect.OPENAI, complete.served(), UpstreamSignals.NONE, outcome -> {}),
          chosen.slot(), headers, extra);
    }

    /** {@code answer}, told what the fan-out did. */
    private Answer served(Answer answer, Slot from, Map<String, String> headers, Slot... extra) {
      Map<String, String> all = new LinkedHashMap<>(headers);
      if (call.fanOutDetail()) {
        List<Slot> every = new ArrayList<>(slots);
        every.addAll(List.of(extra));
        all.put(CANDIDATES_HEADER, every.stream().map(Slot::describe).collect(Collectors.joining("; ")));
      }
      String summary = strategy + "; " + from.role + " " + from.model
          + (from.role.equals("candidate") ? " (" + (from.index + 1) + " of " + slots.size() + ")" : "");
      Answer.Served served = answer.served().fannedOut(new Answer.FannedOut(summary, all));
      if (answer instanceof Answer.Streaming s) {
        return new Answer.Streaming(s.events(), s.dialect(), served, s.signals(), s.settle(), s.recorded());
      }
      Answer.Complete c = (Answer.Complete) answer;
      return new Answer.Complete(c.body(), c.dialect(), served);
    }

    private void schedule(Duration delay, Runnable action) {
      system.scheduler().scheduleOnce(delay, action, system.executionContext());
    }
  }

  /** Launches candidates of a {@code first} fan-out. */
  private interface Launcher {
    /** Starts candidate {@code index} unless it has started, or an answer has won ({@code hedge}: after the delay). */
    void from(int index, boolean hedge);
  }

  /** The client's request as a candidate sends it: the same, streaming only if {@code stream}. */
  static ChatCompletionRequest asCandidate(ChatCompletionRequest chat, boolean stream) {
    return new ChatCompletionRequest(chat.model(), chat.messages(), stream ? Boolean.TRUE : null,
        stream ? chat.streamOptions() : null, chat.maxTokens(), chat.maxCompletionTokens(), chat.temperature(),
        chat.topP(), chat.n(), chat.stop(), chat.seed(), chat.user(), chat.extra());
  }

  private ByteString bytes(ChatCompletionRequest chat) {
    try {
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(chat));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode tree(ByteString body) {
    try {
      return mapper.readTree(body.toArray());
    } catch (IOException e) {
      return mapper.createObjectNode();
    }
  }

  /** How a candidate's failure reads in the detail header. */
  private static String failure(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof UpstreamException e) return "failed: upstream_" + e.kind().name().toLowerCase(Locale.ROOT);
    if (cause instanceof AdmissionRejectedException) return "failed: not admitted";
    if (cause instanceof ClientGoneException) return "cancelled";
    if (cause instanceof Dispatcher.ContextTooLongException) return "failed: context_length_exceeded";
    return "failed: " + cause.getClass().getSimpleName();
  }

  private static CallOutcome outcomeOf(Throwable cause) {
    return cause instanceof UpstreamException ? Dispatcher.failed(cause)
        : new CallOutcome.Failed(true, false, UpstreamSignals.NONE, false);
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t;
  }
}
