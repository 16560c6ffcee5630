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
 * combination is built once.
 */
final class AnswerHeaders {
  static final String DEPLOYMENT_HEADER = "x-switchboard-deployment";
  static final String SIMULATED_HEADER = "x-switchboard-simulated";

  private final Map<Answer.Served, List<HttpHeader>> built = new ConcurrentHashMap<>();

  List<HttpHeader> of(Answer.Served served) {
    return built.computeIfAbsent(served, AnswerHeaders::build);
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
