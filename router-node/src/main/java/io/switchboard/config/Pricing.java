package io.switchboard.config;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * What a deployment costs, in US dollars per million input (prompt) and output (completion) tokens,
 * as the provider's price list states it. Costs are computed exactly ({@link BigDecimal}), so budgets
 * add up without rounding drift.
 */
public record Pricing(BigDecimal inputPerMillion, BigDecimal outputPerMillion) {
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  /** A deployment with no price configured: it costs nothing and never spends a budget. */
  public static final Pricing FREE = new Pricing(BigDecimal.ZERO, BigDecimal.ZERO);

  public Pricing {
    if (inputPerMillion.signum() < 0 || outputPerMillion.signum() < 0) {
      throw new IllegalArgumentException("prices must not be negative");
    }
  }

  /** The cost in USD of a call that used {@code promptTokens} in and {@code completionTokens} out. */
  public BigDecimal cost(long promptTokens, long completionTokens) {
    return inputPerMillion.multiply(BigDecimal.valueOf(promptTokens))
        .add(outputPerMillion.multiply(BigDecimal.valueOf(completionTokens)))
        .divide(MILLION, MathContext.DECIMAL64);
  }

  public boolean isFree() {
    return inputPerMillion.signum() == 0 && outputPerMillion.signum() == 0;
  }
}
