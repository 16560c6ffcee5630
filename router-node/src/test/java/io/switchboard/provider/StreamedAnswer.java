package io.switchboard.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.TestGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole streamed answer as a client received it, in either dialect: its raw text (to show what did
 * not reach the client) and its events, each an {@code event:} name (null in OpenAI's dialect) and
 * {@code data:}.
 */
public record StreamedAnswer(int status, String raw, List<Event> events) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public record Event(String name, String data) {
    public JsonNode json() {
      try {
        return JSON.readTree(data);
      } catch (IOException e) {
        throw new UncheckedIOException("event data is not JSON: " + data, e);
      }
    }
  }

  /** The caller's dialect: which ingress is asked, and how its stream is read. */
  public enum Dialect { OPENAI, ANTHROPIC }

  /** Streams a chat for {@code model} through {@code dialect}'s ingress and reads the answer to its end. */
  public static StreamedAnswer ask(TestGateway gateway, Dialect dialect, String model, boolean includeUsage) {
    String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]";
    HttpRequest.Builder request;
    String body;
    if (dialect == Dialect.OPENAI) {
      request = gateway.request("/v1/chat/completions");
      body = "{\"model\":\"" + model + "\"," + messages + ",\"stream\":true"
          + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "") + "}";
    } else {
      request = gateway.request("/v1/messages").header("anthropic-version", "2023-06-01");
      body = "{\"model\":\"" + model + "\",\"max_tokens\":100," + messages + ",\"stream\":true}";
    }
    HttpResponse<String> response = gateway.send(request.header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    return new StreamedAnswer(response.statusCode(), response.body(), parse(response.body()));
  }

  /** A stream a test read itself ({@code raw}, answered with {@code status}). */
  public static StreamedAnswer of(int status, String raw) {
    return new StreamedAnswer(status, raw, parse(raw));
  }

  private static List<Event> parse(String raw) {
    List<Event> events = new ArrayList<>();
    for (String block : raw.split("\n\n")) {
      String name = null;
      StringBuilder data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("event: ")) name = line.substring(7);
        if (line.startsWith("data: ")) data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n')
            .append(line.substring(6));
      }
      if (data != null) events.add(new Event(name, data.toString()));
    }
    return events;
  }

  /** The code of the error the stream ended with in its dialect, or null when it ended without one. */
  public String errorCode() {
    if (events.isEmpty()) return null;
    Event last = events.get(events.size() - 1);
    if ("error".equals(last.name())) return last.json().path("error").path("type").asText();
    if (last.name() == null && last.data().startsWith("{\"error\"")) {
      JsonNode error = last.json().path("error");
      return error.path("type").asText().equals(error.path("code").asText()) ? error.path("code").asText()
          : error.path("type").asText() + "/" + error.path("code").asText();
    }
    return null;
  }

  /** Whether the stream ended as its dialect ends a whole answer. */
  public boolean endedWhole() {
    if (events.isEmpty()) return false;
    Event last = events.get(events.size() - 1);
    return last.name() == null ? last.data().equals("[DONE]") : last.name().equals("message_stop");
  }

  public List<String> names() {
    return events.stream().map(e -> e.name() == null ? "data" : e.name()).toList();
  }
}
