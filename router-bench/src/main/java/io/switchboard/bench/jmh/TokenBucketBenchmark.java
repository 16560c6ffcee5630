package io.switchboard.bench.jmh;

import io.switchboard.ratelimit.TokenBucket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The bucket arithmetic a request pays twice: take its reservation, then refund what it did not use. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class TokenBucketBenchmark {
  private TokenBucket bucket;
  private long now;

  @Setup
  public void start() {
    now = System.currentTimeMillis();
    bucket = TokenBucket.full(1_000_000_000, Duration.ofMinutes(1), now);
  }

  @Benchmark
  public boolean takeAndRefund() {
    now++;
    boolean taken = bucket.tryTake(600, now);
    bucket.refund(300, now);
    return taken;
  }
}
