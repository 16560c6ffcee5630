package io.switchboard.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A GitHub-flavoured markdown table, built row by row. */
public final class MarkdownTable {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  public MarkdownTable(String... header) {
    this.header = List.of(header);
  }

  /** Adds a row; it must have one cell per column. */
  public MarkdownTable row(Object... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + header.size() + " columns");
    }
    List<String> row = new ArrayList<>(cells.length);
    for (Object cell : cells) row.add(String.valueOf(cell).replace("|", "\\|"));
    rows.add(row);
    return this;
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    out.append("| ").append(String.join(" | ", header)).append(" |\n|");
    out.append("---|".repeat(header.size())).append('\n');
    for (List<String> row : rows) out.append("| ").append(String.join(" | ", row)).append(" |\n");
    return out.toString();
  }

  /** Microseconds as milliseconds with two decimals: {@code 1234 -> "1.23"}. */
  public static String ms(long micros) {
    return String.format(Locale.ROOT, "%.2f", micros / 1000.0);
  }

  /** A number with {@code decimals} decimals, independent of the machine's locale. */
  public static String num(double value, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }

  /** {@code value / base} as {@code 0.62×}, or a dash when the base is zero. */
  public static String ratio(double value, double base) {
    return base <= 0 ? "–" : String.format(Locale.ROOT, "%.2f×", value / base);
  }
}
