package io.switchboard;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads server-sent events the way an OpenAI client does: one {@code data:} payload per event. */
public final class SseEvents {
  private final BufferedReader reader;

  public SseEvents(InputStream body) {
    this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
  }

  /** The next event's data, or null at the end of the stream. */
  public String next() {
    try {
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isEmpty()) {
          if (data.length() > 0) return data.toString();
          continue;
        }
        if (line.startsWith("data: ")) {
          if (data.length() > 0) data.append('\n');
          data.append(line.substring(6));
        }
      }
      return data.length() > 0 ? data.toString() : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every remaining event's data. */
  public List<String> all() {
    List<String> events = new ArrayList<>();
    for (String event = next(); event != null; event = next()) events.add(event);
    return events;
  }

  public void close() {
    try {
      reader.close();
    } catch (IOException ignored) {
      // closing is how a client hangs up; nothing to report
    }
  }
}
