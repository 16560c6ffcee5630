package io.switchboard.orchestration;

import io.switchboard.config.Capability;
import io.switchboard.config.ModelSettings;
import io.switchboard.config.TaskKind;
import io.switchboard.history.HistorySummary;
import io.switchboard.history.PerformanceHistory;
import java.util.Set;

/**
 * A model as the scorer reads it, compiled once from its settings: its primary deployment's prices per
 * token, context window, output cap and capabilities, its strengths by task kind, and the labels of its
 * deployments, whose history says how it has behaved.
 */
final class Candidate {
  /** What an unstated strength counts as. */
  static final double NEUTRAL_STRENGTH = 0.5;

  final String model;
  final double inputPerToken;
  final double outputPerToken;
  final int contextWindow;
  final int outputCap;
  final int capabilities;
  final double[] strengths;
  final String[] labels;

  Candidate(ModelSettings settings) {
    ModelSettings.DeploymentSettings primary = settings.primary();
    this.model = settings.name();
    this.inputPerToken = primary.pricing().inputPerMillion().doubleValue() / 1e6;
    this.outputPerToken = primary.pricing().outputPerMillion().doubleValue() / 1e6;
    this.contextWindow = primary.contextWindow();
    this.outputCap = primary.maxOutputTokens();
    this.capabilities = mask(primary.capabilities());
    this.strengths = new double[TaskKind.values().length];
    for (TaskKind kind : TaskKind.values()) {
      strengths[kind.ordinal()] = settings.strengths().getOrDefault(kind, NEUTRAL_STRENGTH);
    }
    this.labels = settings.deployments().stream().map(d -> d.provider() + "/" + d.upstreamModel())
        .toArray(String[]::new);
  }

  /** The history of the first of its deployments that has one; {@link HistorySummary#EMPTY} when none has. */
  HistorySummary summary(PerformanceHistory history) {
    for (String label : labels) {
      HistorySummary s = history.summary(label);
      if (s != null && s.known()) return s;
    }
    return HistorySummary.EMPTY;
  }

  static int mask(Set<Capability> capabilities) {
    int mask = 0;
    for (Capability c : capabilities) mask |= 1 << c.ordinal();
    return mask;
  }
}
