package io.switchboard.http;

import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.OpenAiJson;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.util.ByteString;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Decoding and checking a chat completion request ({@link ChatRequestDecoder#decode}), for bodies of
 * one short message, ten messages (~4 KB) and a long prompt (~100 KB).
 *
 * <p>Lives in the node's {@code io.switchboard.http} package (in this module, on the class path) so it
 * reaches the package-private decoder without widening its visibility.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class ChatRequestDecodeBenchmark {
  @Param({"small", "medium", "large"})
  public String size;

  private ChatRequestDecoder decoder;
  private ByteString body;

  @Setup
  public void prepare() {
    decoder = new ChatRequestDecoder(OpenAiJson.newMapper());
    body = ByteString.fromString(body(size));
  }

  static String body(String size) {
    int messages = switch (size) {
      case "small" -> 1;
      case "medium" -> 10;
      case "large" -> 1;
      default -> throw new IllegalArgumentException(size);
    };
    int words = switch (size) {
      case "small" -> 8;
      case "medium" -> 60;
      default -> 16_000;
    };
    StringBuilder json = new StringBuilder("{\"model\":\"gpt-4o-mini\",\"temperature\":0.2,\"max_tokens\":256,"
        + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[");
    for (int m = 0; m < messages; m++) {
      if (m > 0) json.append(',');
      json.append("{\"role\":\"").append(m % 2 == 0 ? "user" : "assistant").append("\",\"content\":\"");
      for (int w = 0; w < words; w++) json.append(w == 0 ? "" : " ").append("word").append(w % 97);
      json.append("\"}");
    }
    return json.append("]}").toString();
  }

  @Benchmark
  public ChatCompletionRequest decode() {
    return decoder.decode(body);
  }
}
