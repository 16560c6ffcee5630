package io.switchboard.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.openai.OpenAiJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * The events of a stream continued on other deployments ({@link StreamContinuation}), joined into the
 * one stream the client reads, and what they told so far: the answer's text (the next continuation's
 * prefix), whether it finished, whether a text prefix could carry it on.
 *
 * <p>The first part's events pass unchanged. A continuation's are rewritten: in OpenAI's chunks its role
 * chunk is dropped and its {@code id} and {@code created} are the first part's; in Anthropic's events its
 * {@code message_start} is dropped, its first text block goes on in the block the break left open (or
 * takes the next index) and its indices are shifted to follow. The last chunk (the usage chunk when the
 * client asked for one, else the one with the {@code finish_reason}), or the {@code message_delta},
 * carries {@code "switchboard":{"failover":[...]}}, one entry per break.
 *
 * <p>Events pass one at a time, in order, on the stream's own stage; what a continuation reads is set
 * by {@link #continuing} before its events flow.
 */
final class StreamJoin {
  private static final ObjectMapper JSON = OpenAiJson.newMapper();

  /** The stream broke with the upstream's own error event, kept to end the stream with if nothing continues it. */
  static final class ErrorEvent extends RuntimeException {
    final transient ByteString event;

    ErrorEvent(ByteString event) {
      super("the upstream's own error event", null, false, false);
      this.event = event;
    }
  }

  private final Dialect dialect;
  private final boolean includeUsage;
  private final StringBuilder text = new StringBuilder();
  private final List<ObjectNode> failovers = new ArrayList<>();
  private volatile boolean finished;
  private volatile boolean sawEnd;
  /** Something a text prefix cannot carry on (a tool call, a refusal, a non-text block). */
  private volatile boolean unsupported;
  // OpenAI: the first part's identity, which a continuation takes on.
  private String id;
  private JsonNode created;
  private JsonNode model;
  // Anthropic: the block a break left open, the blocks so far, and how the current part's indices map.
  private int openIndex = -1;
  private int blocks;
  private int offset;
  private boolean mergeFirst;
  private JsonNode inputUsage;
  private boolean markerSent;

  /** @param includeUsage whether the client asked for OpenAI's usage chunk, the stream's last */
  StreamJoin(Dialect dialect, boolean includeUsage) {
    this.dialect = dialect;
    this.includeUsage = includeUsage;
  }

  /**
   * One event of the current part, as the client gets it (none, when dropped); throws {@link ErrorEvent}
   * for the upstream's own error event before the answer finished.
   */
  List<ByteString> pass(ByteString event, boolean continuation) throws IOException {
    return dialect == Dialect.ANTHROPIC ? anthropic(event, continuation) : openAi(event, continuation);
  }

  /** Whether the answer finished, or the stream gave its end marker: an end now is no break. */
  boolean whole() {
    return finished || sawEnd;
  }

  /** Whether the answer so far can be continued elsewhere from a text prefix. */
  boolean continuable() {
    return !finished && !unsupported;
  }

  /** The answer's text so far. */
  synchronized String text() {
    return text.toString();
  }

  /** The next events are a continuation, {@code from} one deployment {@code to} another. */
  synchronized void continuing(String from, String to, String reason, int atChars) {
    ObjectNode failover = JSON.createObjectNode();
    failover.put("from", from);
    failover.put("to", to);
    failover.put("reason", reason);
    failover.put("at_chars", atChars);
    failovers.add(failover);
    mergeFirst = openIndex >= 0;
    offset = mergeFirst ? openIndex : blocks;
  }

  // ---- OpenAI chunks ---------------------------------------------------------------------------

  private List<ByteString> openAi(ByteString event, boolean continuation) throws IOException {
    String text = event.utf8String();
    if (text.startsWith("data: [DONE]")) {
      sawEnd = true;
      if (!continuation || markerSent) return List.of(event);
      // A continuation that sent no usage chunk, though the client asked for one: the marker comes in a
      // chunk of its own, shaped like a usage chunk (no choices), before the end.
      ObjectNode last = JSON.createObjectNode();
      last.put("id", id);
      last.set("created", created);
      last.put("object", "chat.completion.chunk");
      last.set("model", model);
      last.set("choices", JSON.createArrayNode());
      last.set("switchboard", marker());
      markerSent = true;
      return List.of(ByteString.fromString("data: " + JSON.writeValueAsString(last) + "\n\n"), event);
    }
    if (text.startsWith("data: {\"error\"")) {
      if (!finished) throw new ErrorEvent(event);
      return List.of(event);
    }
    if (!text.startsWith("data: {")) return List.of(event);
    JsonNode parsed = JSON.readTree(text.substring(6));
    if (!(parsed instanceof ObjectNode chunk)) return List.of(event);
    if (id == null && chunk.hasNonNull("id")) {
      id = chunk.path("id").asText();
      created = chunk.get("created");
      model = chunk.get("model");
    }
    boolean hasUsage = chunk.path("usage").isObject();
    boolean finishes = false;
    boolean content = false;
    for (JsonNode choice : chunk.path("choices")) {
      JsonNode delta = choice.path("delta");
      if (delta.path("content").isTextual() && !delta.path("content").asText().isEmpty()) {
        synchronized (this) {
          this.text.append(delta.path("content").asText());
        }
        content = true;
      }
      if (delta.hasNonNull("tool_calls") || delta.path("refusal").isTextual()) unsupported = true;
      if (choice.hasNonNull("finish_reason")) finishes = true;
    }
    if (finishes) finished = true;
    if (!continuation) return List.of(event);
    // The continuation's opening role chunk: the client has had one already.
    if (!content && !finishes && !hasUsage && chunk.path("choices").size() > 0
        && onlyRole(chunk.path("choices"))) {
      return List.of();
    }
    for (JsonNode choice : chunk.path("choices")) {
      if (choice.path("delta") instanceof ObjectNode delta) delta.remove("role");
    }
    if (id != null) chunk.put("id", id);
    if (created != null) chunk.set("created", created);
    boolean last = includeUsage ? hasUsage : finishes;
    if (last) {
      chunk.set("switchboard", marker());
      markerSent = true;
    }
    return List.of(ByteString.fromString("data: " + JSON.writeValueAsString(chunk) + "\n\n"));
  }

  private static boolean onlyRole(JsonNode choices) {
    for (JsonNode choice : choices) {
      JsonNode delta = choice.path("delta");
      var names = delta.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        if (name.equals("role")) continue;
        if (name.equals("content") && delta.path("content").asText("").isEmpty()) continue;
        if (delta.get(name).isNull()) continue;
        return false;
      }
    }
    return true;
  }

  private ObjectNode marker() {
    ObjectNode marker = JSON.createObjectNode();
    ArrayNode list = marker.putArray("failover");
    synchronized (this) {
      failovers.forEach(list::add);
    }
    return marker;
  }

  // ---- Anthropic events ------------------------------------------------------------------------

  private List<ByteString> anthropic(ByteString event, boolean continuation) throws IOException {
    String text = event.utf8String();
    String name = text.startsWith("event: ") ? text.substring(7, lineEnd(text)).trim() : "";
    if (name.equals("message_stop")) {
      sawEnd = true;
      return List.of(event);
    }
    if (name.equals("error")) {
      if (!finished) throw new ErrorEvent(event);
      return List.of(event);
    }
    int dataAt = text.indexOf("data: ");
    if (dataAt < 0 || name.isEmpty() || name.equals("ping")) return List.of(event);
    JsonNode parsed = JSON.readTree(text.substring(dataAt + 6).trim());
    if (!(parsed instanceof ObjectNode data)) return List.of(event);
    switch (name) {
      case "message_start" -> {
        if (continuation) {
          inputUsage = data.path("message").path("usage");
          return List.of();
        }
        return List.of(event);
      }
      case "content_block_start" -> {
        int index = data.path("index").asInt();
        if (!"text".equals(data.path("content_block").path("type").asText())) unsupported = true;
        if (continuation && mergeFirst && index == 0) return List.of();
        int mapped = continuation ? index + offset : index;
        openIndex = mapped;
        blocks = Math.max(blocks, mapped + 1);
        if (!continuation) return List.of(event);
        data.put("index", mapped);
        return List.of(anthropicEvent(name, data));
      }
      case "content_block_delta" -> {
        JsonNode delta = data.path("delta");
        if ("text_delta".equals(delta.path("type").asText())) {
          synchronized (this) {
            this.text.append(delta.path("text").asText());
          }
        } else {
          unsupported = true;
        }
        if (!continuation) return List.of(event);
        data.put("index", data.path("index").asInt() + offset);
        return List.of(anthropicEvent(name, data));
      }
      case "content_block_stop" -> {
        openIndex = -1;
        if (!continuation) return List.of(event);
        data.put("index", data.path("index").asInt() + offset);
        return List.of(anthropicEvent(name, data));
      }
      case "message_delta" -> {
        if (data.path("delta").hasNonNull("stop_reason")) finished = true;
        if (!continuation) return List.of(event);
        // The continuation's own prompt, as its message_start (dropped) told it, is what its usage is.
        if (data.path("usage") instanceof ObjectNode usage && inputUsage != null && inputUsage.isObject()) {
          for (String field : List.of("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")) {
            if (inputUsage.has(field) && !usage.has(field)) usage.set(field, inputUsage.get(field));
          }
        }
        data.set("switchboard", marker());
        return List.of(anthropicEvent(name, data));
      }
      default -> {
        return List.of(event);
      }
    }
  }

  private static int lineEnd(String text) {
    int end = text.indexOf('\n');
    return end < 0 ? text.length() : end;
  }

  /** An Anthropic event with {@code name} and {@code data}. */
  static ByteString anthropicEvent(String name, JsonNode data) throws IOException {
    return ByteString.fromString("event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n");
  }
}
