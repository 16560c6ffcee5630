package io.switchboard.http;

import io.switchboard.cache.CachePolicy;
import io.switchboard.exchange.Answer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * The headers that say who served an answer, in either dialect: {@code x-switchboard-deployment},
 * {@code x-switchboard-simulated: true} for the simulated provider, and {@code x-switchboard-cache:
 * hit|miss} when the call used the response cache. Fixed per deployment and cache outcome, so each
 * combination is built once. An answer of an auto route adds {@code x-switchboard-model} and
 * {@code x-switchboard-route-reason}.
 */
final class AnswerHeaders {
  static final String DEPLOYMENT_HEADER = "x-switchboard-deployment";
  static final String SIMULATED_HEADER = "x-switchboard-simulated";
  /** The model an auto route chose (or fell back to). */
  static final String MODEL_HEADER = "x-switchboard-model";
  /** Why: the task, the choice and its figures, the runner-up, the exclusions. */
  static final String ROUTE_REASON_HEADER = "x-switchboard-route-reason";

  /** A fan-out's strategy and winner; its strategy's own headers follow it. */
  static final String FAN_OUT_HEADER = "x-switchboard-fan-out";

  private final Map<Answer.Served, List<HttpHeader>> built = new ConcurrentHashMap<>();

  List<HttpHeader> of(Answer.Served served) {
    List<HttpHeader> fixed = built.computeIfAbsent(served.unrouted(), AnswerHeaders::build);
    if (served.routed() == null && served.fannedOut() == null) return fixed;
    List<HttpHeader> headers = new ArrayList<>(fixed.size() + 4);
    headers.addAll(fixed);
    if (served.routed() != null) {
      headers.add(RawHeader.create(MODEL_HEADER, served.routed().model()));
      headers.add(RawHeader.create(ROUTE_REASON_HEADER, served.routed().reason()));
    }
    if (served.fannedOut() != null) {
      headers.add(RawHeader.create(FAN_OUT_HEADER, served.fannedOut().summary()));
      served.fannedOut().headers().forEach((name, value) -> headers.add(RawHeader.create(name, value)));
    }
    return headers;
  }

  private static List<HttpHeader> build(Answer.Served served) {
    List<HttpHeader> headers = new ArrayList<>(3);
    headers.add(RawHeader.create(DEPLOYMENT_HEADER, served.deployment()));
    if (served.simulated()) headers.add(RawHeader.create(SIMULATED_HEADER, "true"));
    if (served.cache() == Answer.Cache.HIT) headers.add(RawHeader.create(CachePolicy.HEADER, "hit"));
    if (served.cache() == Answer.Cache.MISS) headers.add(RawHeader.create(CachePolicy.HEADER, "miss"));
    return List.copyOf(headers);
  }
}
