package io.switchboard.config;

import java.time.Duration;

/**
 * What every auto route shares: the task analyzer's rules, and how often a model that its observed
 * history holds back is sent one request anyway, so that its history learns when it has recovered.
 *
 * @param probeAfter a candidate that would win on its merits but loses on its history is sent one
 *     request when it has had none from the route for this long; {@link Duration#ZERO}: never
 */
public record AutoRoutingSettings(AnalyzerSettings analyzer, Duration probeAfter) {}
