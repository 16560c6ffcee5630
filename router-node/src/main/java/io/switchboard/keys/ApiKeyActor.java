package io.switchboard.keys;

import io.switchboard.JsonSerializable;
import io.switchboard.ratelimit.TokenBucket;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Admission for one virtual key: its requests-per-minute and tokens-per-minute buckets and its budget.
 * A request is {@link Acquire}d before it is dispatched, reserving one request, its token estimate and
 * its maximal cost; it is {@link Release}d once with what it really used and cost.
 *
 * <p>The budget is exact under concurrency because one actor holds it: a request is admitted only when
 * {@code spent + reserved + its maximal cost <= cap}, so spending passes the cap only by what upstreams
 * used beyond a reservation (a stream that ignores {@code max_tokens}), never by racing requests.
 *
 * <p>Trade-offs: {@code spent} is loaded from the usage ledger when the actor starts, so it survives
 * restarts. The buckets are not persisted; instead a starting actor takes the calls and tokens the
 * ledger holds for the key from the last minute out of them, as if they had just been used: a restart
 * never hands a key a fresh minute, and errs on the side of the limit (a call made 59 seconds ago
 * still counts in full, and so does every retried call). Unlike
 * a provider's queue, a key over its limit is answered at once (429 with Retry-After), since its own
 * client, not another tenant, is the one to slow down.
 */
public final class ApiKeyActor extends AbstractBehavior<ApiKeyActor.Command> {

  /** Messages a key's actor understands. */
  public sealed interface Command extends JsonSerializable {}

  /** Ask to send one request reserving {@code tokens} and at most {@code maxCostUsd}. */
  public record Acquire(long tokens, BigDecimal maxCostUsd, ActorRef<Admission> replyTo) implements Command {}

  /** A request ended having used {@code tokens} and cost {@code costUsd}; its reservation is settled. */
  public record Release(long permitId, long tokens, BigDecimal costUsd) implements Command {}

  /** What the key has spent and has reserved in flight. */
  public record GetBudget(ActorRef<Budget> replyTo) implements Command {}

  private record Loaded(KeyState state) implements Command {}

  private record LoadFailed(String reason) implements Command {}

  private enum Tick implements Command { RELOAD }

  /** The answer to {@link Acquire}. */
  public sealed interface Admission extends JsonSerializable {}

  public record Granted(long permitId) implements Admission {}

  public record Rejected(Reason reason, String message, Duration retryAfter) implements Admission {}

  /** Why a key's request was refused. */
  public enum Reason {
    REQUESTS_PER_MINUTE,
    TOKENS_PER_MINUTE,
    BUDGET_EXHAUSTED,
    KEY_UNAVAILABLE,
    /** The request reserves more tokens than the key's whole tokens-per-minute: no wait would admit it. */
    TOO_LARGE
  }

  /** @param capUsd null when the key has no budget */
  public record Budget(BigDecimal spentUsd, BigDecimal reservedUsd, BigDecimal capUsd, int inFlight)
      implements JsonSerializable {}

  /** A reservation not settled within this long is dropped (its holder is gone); its cost stays unspent. */
  static final Duration LEASE = Duration.ofMinutes(15);
  /** How often, by the injected clock, reservations are checked for an expired lease. */
  static final Duration SWEEP_EVERY = Duration.ofMinutes(1);
  static final Duration RELOAD_AFTER = Duration.ofSeconds(1);
  static final int STASH = 1_000;

  private record Held(long tokens, BigDecimal cost, long grantedAt) {}

  private final String keyId;
  private final Clock clock;
  private final TimerScheduler<Command> timers;
  private final KeyState.Loader loader;
  private final Map<Long, Held> held = new HashMap<>();
  private TokenBucket requests;
  private TokenBucket tokens;
  private BigDecimal cap;
  private BigDecimal spent = BigDecimal.ZERO;
  private BigDecimal reserved = BigDecimal.ZERO;
  private long nextPermit = 1;
  private long sweptAt;

  public static Behavior<Command> create(String keyId, KeyState.Loader loader, Clock clock) {
    return Behaviors.withStash(STASH, stash -> Behaviors.withTimers(timers -> Behaviors.setup(context -> {
      load(context, loader, keyId);
      return new ApiKeyActor(context, keyId, loader, clock, timers).loading(stash);
    })));
  }

  private ApiKeyActor(ActorContext<Command> context, String keyId, KeyState.Loader loader, Clock clock,
      TimerScheduler<Command> timers) {
    super(context);
    this.keyId = keyId;
    this.loader = loader;
    this.clock = clock;
    this.timers = timers;
  }

  private static void load(ActorContext<Command> context, KeyState.Loader loader, String keyId) {
    context.pipeToSelf(loader.load(keyId), (state, error) -> error == null
        ? new Loaded(state) : new LoadFailed(error.getMessage() == null ? error.toString() : error.getMessage()));
  }

  /** Until its state is read, commands wait; if it cannot be read, requests are refused until a reload works. */
  private Behavior<Command> loading(StashBuffer<Command> stash) {
    return Behaviors.receive(Command.class)
        .onMessage(Loaded.class, loaded -> {
          start(loaded.state());
          return stash.unstashAll(this);
        })
        .onMessage(LoadFailed.class, failed -> {
          getContext().getLog().warn("key {}: its limits and spending could not be read ({}); retrying in {} ms",
              keyId, failed.reason(), RELOAD_AFTER.toMillis());
          timers.startSingleTimer(Tick.RELOAD, RELOAD_AFTER);
          return stash.unstashAll(unavailable(stash));
        })
        .onMessage(Acquire.class, acquire -> {
          if (stash.isFull()) acquire.replyTo().tell(unavailableRejection());
          else stash.stash(acquire);
          return Behaviors.same();
        })
        .onAnyMessage(other -> {
          if (!stash.isFull()) stash.stash(other);
          return Behaviors.same();
        })
        .build();
  }

  /** The state could not be read: requests are refused at once until the next reload. */
  private Behavior<Command> unavailable(StashBuffer<Command> stash) {
    return Behaviors.receive(Command.class)
        .onMessage(Acquire.class, acquire -> {
          acquire.replyTo().tell(unavailableRejection());
          return Behaviors.same();
        })
        .onMessageEquals(Tick.RELOAD, () -> {
          load(getContext(), loader, keyId);
          return loading(stash);
        })
        .onAnyMessage(other -> Behaviors.same())
        .build();
  }

  private Rejected unavailableRejection() {
    return new Rejected(Reason.KEY_UNAVAILABLE, "This key's limits and spending could not be read from the"
        + " gateway's database just now. Retry in a moment.", RELOAD_AFTER);
  }

  private void start(KeyState state) {
    long now = clock.millis();
    requests = state.requestsPerMinute() > 0
        ? afterUse(state.requestsPerMinute(), state.requestsLastMinute(), now) : null;
    tokens = state.tokensPerMinute() > 0 ? afterUse(state.tokensPerMinute(), state.tokensLastMinute(), now) : null;
    cap = state.budgetUsd().orElse(null);
    spent = state.spent();
    sweptAt = now;
  }

  /** A bucket of {@code perMinute} with {@code used} taken, at most down to empty: what the last minute left. */
  private static TokenBucket afterUse(double perMinute, long used, long now) {
    TokenBucket bucket = TokenBucket.full(perMinute, Duration.ofMinutes(1), now);
    if (used > 0) bucket.charge(Math.min(perMinute, (double) used), now);
    return bucket;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onMessage(GetBudget.class, get -> {
          sweepWhenDue(clock.millis());
          get.replyTo().tell(new Budget(spent, reserved, cap, held.size()));
          return this;
        })
        .onMessage(Tick.class, tick -> this)
        .onMessage(Loaded.class, loaded -> this)
        .onMessage(LoadFailed.class, failed -> this)
        .build();
  }

  private Behavior<Command> onAcquire(Acquire acquire) {
    long now = clock.millis();
    sweepWhenDue(now);
    if (acquire.tokens() < 0) {
      acquire.replyTo().tell(new Rejected(Reason.TOO_LARGE, "This request's token reservation (" + acquire.tokens()
          + ") is not a valid number of tokens. Lower max_tokens.", null));
      return this;
    }
    if (tokens != null && acquire.tokens() > tokens.capacity()) {
      // Taken when the bucket is full, it would leave a debt that holds the key back far longer than a minute.
      acquire.replyTo().tell(new Rejected(Reason.TOO_LARGE, "This request reserves " + acquire.tokens()
          + " tokens (its prompt plus max_tokens, or the model's max-output-tokens when max_tokens is not set,"
          + " times n), more than this key's limit of " + (long) tokens.capacity()
          + " tokens per minute admits at once. Lower max_tokens.", null));
      return this;
    }
    if (cap != null && spent.add(reserved).add(acquire.maxCostUsd()).compareTo(cap) > 0) {
      acquire.replyTo().tell(new Rejected(Reason.BUDGET_EXHAUSTED, "This key's budget of $" + cap.toPlainString()
          + " is used up: $" + spent.toPlainString() + " spent and $" + reserved.toPlainString()
          + " reserved by requests in flight, and this request may cost up to $"
          + acquire.maxCostUsd().stripTrailingZeros().toPlainString() + ". Ask the gateway's operator for a key"
          + " with more budget, or lower max_tokens.", null));
      return this;
    }
    if (requests != null) {
      TokenBucket.Consumption c = requests.tryConsume(1, now);
      if (!c.consumed()) {
        acquire.replyTo().tell(new Rejected(Reason.REQUESTS_PER_MINUTE, "This key may send "
            + (long) requests.capacity() + " requests per minute and has sent them; retry after the Retry-After"
            + " interval.", Duration.ofMillis(c.waitMillis())));
        return this;
      }
    }
    if (tokens != null) {
      TokenBucket.Consumption c = tokens.tryConsume(acquire.tokens(), now);
      if (!c.consumed()) {
        if (requests != null) requests.refund(1, now);
        acquire.replyTo().tell(new Rejected(Reason.TOKENS_PER_MINUTE, "This key may use " + (long) tokens.capacity()
            + " tokens per minute; this request reserves " + acquire.tokens() + " (prompt plus max_tokens)."
            + " Retry after the Retry-After interval, or lower max_tokens.", Duration.ofMillis(c.waitMillis())));
        return this;
      }
    }
    long permit = nextPermit++;
    held.put(permit, new Held(acquire.tokens(), acquire.maxCostUsd(), now));
    reserved = reserved.add(acquire.maxCostUsd());
    acquire.replyTo().tell(new Granted(permit));
    return this;
  }

  private Behavior<Command> onRelease(Release release) {
    long now = clock.millis();
    Held h = held.remove(release.permitId());
    if (h != null) {
      reserved = reserved.subtract(h.cost());
      if (tokens != null) {
        long difference = Math.max(0, release.tokens()) - h.tokens();
        // An overrun costs at most one minute of the key's limit, whatever usage an upstream reports.
        if (difference > 0) tokens.charge(Math.min(tokens.capacity(), (double) difference), now);
        else if (difference < 0) tokens.refund(-difference, now);
      }
    }
    // Spent counts even for a permit the sweep already dropped: the ledger has the record.
    spent = spent.add(release.costUsd());
    return this;
  }

  /**
   * Drops reservations whose lease ended, at most once per {@link #SWEEP_EVERY}: only admission and the
   * budget's report read {@code reserved}, so checking when they run is enough, and follows the clock.
   */
  private void sweepWhenDue(long now) {
    if (now - sweptAt < SWEEP_EVERY.toMillis()) return;
    sweptAt = now;
    long expired = now - LEASE.toMillis();
    for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
      Held h = it.next();
      if (h.grantedAt() < expired) {
        reserved = reserved.subtract(h.cost());
        it.remove();
      }
    }
  }
}
