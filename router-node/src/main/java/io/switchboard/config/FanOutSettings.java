package io.switchboard.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A fan-out: a name clients ask for like a model, whose request goes to several candidate models (model
 * names or auto routes) and whose answer is made from theirs by {@code strategy}. Read once from
 * {@code switchboard.fan-outs.<name>} over {@code switchboard.fan-out-defaults}.
 *
 * @param candidateTimeout how long a candidate may take to answer before it is cancelled and the others go on
 *     without it; zero: the request's own deadline
 */
public record FanOutSettings(String name, Strategy strategy, List<String> candidates, Duration candidateTimeout,
    Hedge hedge, Vote vote, Judge judge, Fuse fuse) {

  public FanOutSettings {
    candidates = List.copyOf(candidates);
    if (candidates.isEmpty()) throw new IllegalArgumentException("a fan-out needs at least one candidate");
  }

  /** How the candidates' answers become one. */
  public enum Strategy {
    /** The first good answer wins; the others are cancelled (a race, or hedges after a delay). */
    FIRST,
    /** The answer a quorum of candidates agree on. */
    VOTE,
    /** A judge model picks the best answer. */
    JUDGE,
    /** A fuser model writes one answer from all of them. */
    FUSE;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * {@code first}: when the next candidate starts.
   *
   * @param delay after this, the next candidate starts unless an answer came; zero: all start at once
   * @param percentile when above 0, the delay is this percentile of the first candidate's observed latency
   *     (50 or 90, from the performance history) once it has history; {@code delay} until then
   */
  public record Hedge(Duration delay, int percentile) {
    public Hedge {
      if (delay.isNegative()) throw new IllegalArgumentException("hedge.delay must not be negative");
      if (percentile != 0 && percentile != 50 && percentile != 90) {
        throw new IllegalArgumentException("hedge.percentile must be 0 (off), 50 or 90");
      }
    }
  }

  /** How two answers are compared in a vote. */
  public enum Normalize {
    /** Trimmed, inner white space collapsed, case-folded text. */
    TEXT,
    /** Canonical JSON (keys sorted, no white space); text that is not JSON is compared as {@code TEXT}. */
    JSON,
    /** The first match of the regular expression {@code extract} (its group 1 when it has one). */
    REGEX,
    /** The value at the JSON pointer {@code extract}, canonical. */
    JSON_POINTER
  }

  /** What a vote answers when no answer reaches the quorum. */
  public enum NoQuorum {
    /** 502 {@code no_consensus}, naming the groups. */
    ERROR,
    /** The answer of the biggest group (on a tie, the group of the candidate listed first), flagged in {@code x-switchboard-consensus}. */
    BEST
  }

  /**
   * {@code vote}.
   *
   * @param quorum answers that must agree; 0: a majority of the candidates
   */
  public record Vote(int quorum, Normalize normalize, String extract, NoQuorum noQuorum) {
    public Vote {
      if (quorum < 0) throw new IllegalArgumentException("vote.quorum must not be negative");
    }

    /** The quorum among {@code candidates}. */
    public int quorumOf(int candidates) {
      return quorum > 0 ? quorum : candidates / 2 + 1;
    }
  }

  /** {@code judge}: the judge model and what it is told to judge by. */
  public record Judge(String model, String rubric) {}

  /** {@code fuse}: the fuser model and what it is told to do with the drafts. */
  public record Fuse(String model, String instructions) {}
}
