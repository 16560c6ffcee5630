package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads {@code switchboard.fan-outs.<name>} (over {@code fan-out-defaults}); every mistake names its key. */
final class FanOutConfig {
  private FanOutConfig() {}

  /**
   * @param models the configured model names
   * @param routes the configured auto route names (a candidate may be one)
   */
  static FanOutSettings fanOut(String name, Config f, Set<String> models, Set<String> routes) {
    String path = "switchboard.fan-outs." + name;
    if (models.contains(name) || routes.contains(name)) {
      throw new SettingsException(path + ": a model or auto route is named '" + name + "' too; a client asking for it"
          + " could not say which it means. Rename one of them.");
    }
    FanOutSettings.Strategy strategy = named(path + ".strategy", f.getString("strategy"), FanOutSettings.Strategy.values(),
        "first, vote, judge, fuse");
    List<String> candidates = f.getStringList("candidates");
    if (candidates.isEmpty()) throw new SettingsException(path + ".candidates is empty: list the models to fan out to");
    for (String c : candidates) {
      if (!models.contains(c) && !routes.contains(c)) {
        throw new SettingsException(path + ".candidates: '" + c + "' names no model under switchboard.models and no"
            + " route under switchboard.routes");
      }
    }
    if (strategy != FanOutSettings.Strategy.FIRST && candidates.size() < 2) {
      throw new SettingsException(path + ".candidates: strategy " + strategy.configName() + " needs at least 2");
    }
    Duration candidateTimeout = f.getDuration("candidate-timeout");
    if (candidateTimeout.isNegative()) throw new SettingsException(path + ".candidate-timeout must not be negative");
    FanOutSettings.Hedge hedge;
    FanOutSettings.Vote vote;
    try {
      hedge = new FanOutSettings.Hedge(f.getDuration("hedge.delay"), f.getInt("hedge.percentile"));
      FanOutSettings.Normalize normalize = named(path + ".vote.normalize", f.getString("vote.normalize"),
          FanOutSettings.Normalize.values(), "text, json, regex, json-pointer");
      String extract = f.getString("vote.extract");
      if (normalize == FanOutSettings.Normalize.REGEX) {
        if (extract.isEmpty()) throw new SettingsException(path + ".vote.extract: normalize = regex needs a pattern");
        try {
          Pattern.compile(extract);
        } catch (PatternSyntaxException e) {
          throw new SettingsException(path + ".vote.extract is not a regular expression: " + e.getDescription(), e);
        }
      }
      if (normalize == FanOutSettings.Normalize.JSON_POINTER && !extract.startsWith("/")) {
        throw new SettingsException(path + ".vote.extract: normalize = json-pointer needs a pointer such as /label");
      }
      vote = new FanOutSettings.Vote(f.getInt("vote.quorum"), normalize, extract,
          named(path + ".vote.no-quorum", f.getString("vote.no-quorum"), FanOutSettings.NoQuorum.values(), "error, best"));
    } catch (IllegalArgumentException e) {
      throw new SettingsException(path + "." + e.getMessage(), e);
    }
    if (vote.quorumOf(candidates.size()) > candidates.size()) {
      throw new SettingsException(path + ".vote.quorum = " + vote.quorum() + " is more than its " + candidates.size()
          + " candidates");
    }
    FanOutSettings.Judge judge = new FanOutSettings.Judge(f.getString("judge.model"), f.getString("judge.rubric"));
    FanOutSettings.Fuse fuse = new FanOutSettings.Fuse(f.getString("fuse.model"), f.getString("fuse.instructions"));
    if (strategy == FanOutSettings.Strategy.JUDGE) requireModel(path + ".judge.model", judge.model(), models, routes);
    if (strategy == FanOutSettings.Strategy.FUSE) requireModel(path + ".fuse.model", fuse.model(), models, routes);
    return new FanOutSettings(name, strategy, candidates, candidateTimeout, hedge, vote, judge, fuse);
  }

  private static void requireModel(String path, String model, Set<String> models, Set<String> routes) {
    if (model.isEmpty()) throw new SettingsException(path + " is missing: name the model that does this");
    if (!models.contains(model) && !routes.contains(model)) {
      throw new SettingsException(path + " = \"" + model + "\" names no model under switchboard.models and no route");
    }
  }

  private static <E extends Enum<E>> E named(String path, String value, E[] values, String known) {
    String wanted = value.trim().toLowerCase(Locale.ROOT);
    for (E e : values) {
      if (e.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(wanted)) return e;
    }
    throw new SettingsException(path + " = \"" + value + "\": known values are " + known);
  }
}
