package io.switchboard.provider.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.switchboard.provider.SseFrame;
import io.switchboard.provider.StreamFault;
import java.io.IOException;
import org.apache.pekko.util.ByteString;

/**
 * Checks one event of an OpenAI stream (chat or legacy text completion) before it reaches the client,
 * and says what it is. An event must be a {@code data:} line holding {@code [DONE]} or one JSON object
 * with a {@code choices} array (a chunk) or an {@code error} object; a comment passes as a keep-alive.
 * Anything else (text that is not JSON, binary bytes, a named event OpenAI does not send) fails as a
 * malformed event.
 *
 * <p>This is on every chunk's path, so the usual event ({@code data: {...}} on one line) is scanned as
 * bytes by Jackson's token parser: no string, no tree. The scan also notes a {@code finish_reason}, so
 * a stream whose upstream forgot its {@code [DONE]} is known whole without a second look.
 */
final class ChunkCheck {
  /** What one event is. */
  enum Verdict { CHUNK, FINISH, ERROR, DONE, COMMENT }

  private static final ByteString DATA = ByteString.fromString("data:");
  private static final ByteString DONE = ByteString.fromString("[DONE]");

  private final JsonFactory json;
  private final String provider;

  ChunkCheck(JsonFactory json, String provider) {
    this.json = json;
    this.provider = provider;
  }

  /** What {@code frame} (one event without its blank line) is; fails when it is none of the verdicts. */
  Verdict check(ByteString frame) {
    if (startsWithData(frame) && frame.indexOf((byte) '\n') < 0) {
      int from = DATA.length();
      if (from < frame.length() && frame.apply(from) == ' ') from++;
      if (frame.length() - from == DONE.length() && frame.drop(from).equals(DONE)) return Verdict.DONE;
      byte[] bytes = frame.toArrayUnsafe(); // a framed event is compact: no copy
      try (JsonParser parser = json.createParser(bytes, from, bytes.length - from)) {
        return scan(parser);
      } catch (IOException e) {
        throw StreamFault.malformedEvent(provider, "an event whose data is not JSON");
      }
    }
    SseFrame parsed;
    try {
      parsed = SseFrame.parse(frame.asByteBuffer());
    } catch (IllegalArgumentException e) {
      throw StreamFault.malformedEvent(provider, e.getMessage());
    }
    if (parsed.event() != null) throw StreamFault.malformedEvent(provider, "an event of a type OpenAI streams do not have");
    if (parsed.data() == null) return Verdict.COMMENT;
    if (parsed.data().equals(DONE.utf8String())) return Verdict.DONE;
    try (JsonParser parser = json.createParser(parsed.data())) {
      return scan(parser);
    } catch (IOException e) {
      throw StreamFault.malformedEvent(provider, "an event whose data is not JSON");
    }
  }

  private static boolean startsWithData(ByteString frame) {
    if (frame.length() < DATA.length()) return false;
    for (int i = 0; i < DATA.length(); i++) {
      if (frame.apply(i) != DATA.apply(i)) return false;
    }
    return true;
  }

  private Verdict scan(JsonParser parser) throws IOException {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      throw StreamFault.malformedEvent(provider, "an event whose data is not a JSON object");
    }
    boolean choices = false;
    boolean finish = false;
    boolean error = false;
    for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value == JsonToken.START_ARRAY && "choices".equals(name)) {
        choices = true;
        finish |= finishIn(parser);
      } else {
        error |= value == JsonToken.START_OBJECT && "error".equals(name);
        parser.skipChildren();
      }
    }
    if (parser.nextToken() != null) throw StreamFault.malformedEvent(provider, "an event with more than one JSON value");
    if (error) return Verdict.ERROR;
    if (!choices) throw StreamFault.malformedEvent(provider, "an event that is not a chunk (no 'choices')");
    return finish ? Verdict.FINISH : Verdict.CHUNK;
  }

  /** Reads the choices array to its end; whether a choice has a {@code finish_reason}. */
  private static boolean finishIn(JsonParser parser) throws IOException {
    boolean finish = false;
    for (JsonToken choice = parser.nextToken(); choice != JsonToken.END_ARRAY; choice = parser.nextToken()) {
      if (choice == null) throw new IOException("end of input in 'choices'");
      if (choice != JsonToken.START_OBJECT) {
        parser.skipChildren();
        continue;
      }
      for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (value == JsonToken.VALUE_STRING && "finish_reason".equals(name)) finish = true;
        else parser.skipChildren();
      }
    }
    return finish;
  }
}
