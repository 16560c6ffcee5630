package io.switchboard.provider;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * One server-sent event as an upstream framed it (the bytes between two blank lines), read strictly:
 * every line must be UTF-8 and one of the fields the SSE format defines ({@code event}, {@code data},
 * {@code id}, {@code retry}) or a comment ({@code :...}). Anything else (binary bytes, a stray line of
 * text) is refused, where a browser would skip it: a gateway that skipped it could pass a broken stream
 * off as a whole one.
 *
 * @param event the {@code event:} name, or null when the frame names none
 * @param data the {@code data:} lines joined by newlines, or null when there are none (a comment)
 */
public record SseFrame(String event, String data) {

  /** The frame's event name and data; fails with {@link IllegalArgumentException} naming what is wrong. */
  public static SseFrame parse(ByteBuffer frame) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(frame).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("an event that is not UTF-8 text", e);
    }
    String event = null;
    StringBuilder data = null;
    int start = 0;
    while (start <= text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) end = text.length();
      String line = text.substring(start, end > start && text.charAt(end - 1) == '\r' ? end - 1 : end);
      start = end + 1;
      if (line.isEmpty() || line.charAt(0) == ':') continue;
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) value = value.substring(1);
      switch (field) {
        case "event" -> event = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        case "id", "retry" -> { }
        default -> throw new IllegalArgumentException("a line that is no server-sent event field");
      }
    }
    return new SseFrame(event, data == null ? null : data.toString());
  }

  /** Whether the frame carries nothing but comments (a keep-alive). */
  public boolean isComment() {
    return event == null && data == null;
  }
}
