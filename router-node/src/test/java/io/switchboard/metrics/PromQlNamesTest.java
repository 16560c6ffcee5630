package io.switchboard.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The metric names read out of PromQL are the selected series only, never labels, functions or variables. */
@Tag("unit")
class PromQlNamesTest {

  @Test
  void selected_namesTheSeriesOnly() {
    assertEquals(Set.of("a_bucket", "b_total", "c"), PromQlNames.selected(
        "histogram_quantile(0.99, sum by (le, model) (rate(a_bucket{error_type=\"\", instance=~\"$instance\"}"
            + "[$__rate_interval]))) / on (provider) group_left (x) sum without (y) (increase(b_total[5m])) * 3600"
            + " > bool 1e3 and c{up=\"up\"} offset 5m"));
  }

  @Test
  void exposed_namesEverySampleOfAScrape() {
    assertEquals(Set.of("x_total", "y"), PromQlNames.exposed(
        "# HELP x_total X\n# TYPE x_total counter\nx_total{a=\"b c\"} 1.0\ny 2\n"));
  }
}
