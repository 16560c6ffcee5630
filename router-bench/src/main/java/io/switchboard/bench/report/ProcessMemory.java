package io.switchboard.bench.report;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads memory figures out of the texts Linux and the JDK print: {@code VmRSS} from
 * {@code /proc/PID/status}, and heap used from {@code jcmd PID GC.heap_info} (first heap line, e.g.
 * {@code garbage-first heap   total 262144K, used 23552K}).
 */
public final class ProcessMemory {
  private static final Pattern RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+) kB");
  private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total (\\d+)K, used (\\d+)K");

  private ProcessMemory() {}

  /** Resident set size in KiB, if {@code status} has it. */
  public static OptionalLong rssKib(String status) {
    Matcher m = RSS.matcher(status);
    return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
  }

  /** Java heap in use in KiB, if {@code heapInfo} names it. */
  public static OptionalLong heapUsedKib(String heapInfo) {
    Matcher m = HEAP_USED.matcher(heapInfo);
    return m.find() ? OptionalLong.of(Long.parseLong(m.group(2))) : OptionalLong.empty();
  }

  /** KiB as MiB with one decimal, or a dash when unknown. */
  public static String mib(OptionalLong kib) {
    return kib.isPresent() ? String.format(java.util.Locale.ROOT, "%.1f", kib.getAsLong() / 1024.0) : "–";
  }
}
