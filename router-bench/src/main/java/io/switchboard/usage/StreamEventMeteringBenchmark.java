package io.switchboard.usage;

import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UsageReader;
import java.util.concurrent.TimeUnit;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.pekko.util.ByteString;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What one streamed OpenAI chunk costs the metering on its way to the client: the usage looked for
 * ({@link UsageReader#fromEvent}, on every event until one carries it) and the answer's text tallied
 * ({@link StreamTally#observe}, for the token count when the upstream sends no usage). The chunk is as an
 * OpenAI stream sends it with {@code stream_options.include_usage}: {@code "usage": null} on every chunk,
 * as the event reaches the metering (the frame and its blank line, two parts).
 *
 * <p>Lives in the node's {@code io.switchboard.usage} package (in this module, on the class path) to reach
 * the package-private tally.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class StreamEventMeteringBenchmark {
  private UsageReader usage;
  private ObjectMapper mapper;
  private ByteString event;

  @Setup
  public void prepare() {
    mapper = OpenAiJson.newMapper();
    usage = new UsageReader(mapper);
    event = ByteString.fromString("data: {\"id\":\"chatcmpl-AbCdEf0123456789\",\"object\":\"chat.completion.chunk\","
        + "\"created\":1733600000,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_0123456789\","
        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" the quick brown\"},\"logprobs\":null,"
        + "\"finish_reason\":null}],\"usage\":null}").concat(ByteString.fromString("\n\n"));
  }

  @Benchmark
  public TokenUsage usageLookedFor() {
    return usage.fromEvent(event).orElse(null);
  }

  @Benchmark
  public ByteString textTallied() {
    return new StreamTally(mapper).observe(event);
  }
}
