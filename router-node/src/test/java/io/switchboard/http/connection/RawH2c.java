package io.switchboard.http.connection;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

/**
 * Just enough HTTP/2 (RFC 9113) over a plain socket to send one request with prior knowledge and read
 * its response body, so a test can then watch the same socket: the connection preface, SETTINGS and its
 * acknowledgement, a HEADERS frame coded with HPACK literals (no Huffman, no dynamic table), DATA frames.
 *
 * <pre>{@code
 * RawH2c h2 = RawH2c.open(socket);
 * h2.post(1, "/v1/chat/completions", json);
 * String body = h2.readBody(1);
 * }</pre>
 */
final class RawH2c {
  static final String PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int SETTINGS = 0x4;
  private static final int GOAWAY = 0x7;
  private static final int END_STREAM = 0x1;
  private static final int ACK = 0x1;
  private static final int END_HEADERS = 0x4;

  private final Socket socket;

  private RawH2c(Socket socket) {
    this.socket = socket;
  }

  /** Sends the preface and empty SETTINGS on {@code socket}. */
  static RawH2c open(Socket socket) throws IOException {
    RawH2c h2 = new RawH2c(socket);
    socket.getOutputStream().write(PREFACE.getBytes(US_ASCII));
    h2.frame(SETTINGS, 0, 0, new byte[0]);
    return h2;
  }

  /** A POST of a JSON body on stream {@code stream}: HEADERS, then one DATA frame that ends the stream. */
  void post(int stream, String path, String json) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(0x83); // :method POST, static table entry 3
    block.write(0x86); // :scheme http, static table entry 6
    literal(block, new byte[] {0x04}, path); // :path, static name 4, not indexed
    literal(block, new byte[] {0x01}, "127.0.0.1"); // :authority, static name 1
    literal(block, new byte[] {0x0F, 0x10}, "application/json"); // content-type, static name 31
    frame(HEADERS, END_HEADERS, stream, block.toByteArray());
    frame(DATA, END_STREAM, stream, json.getBytes(UTF_8));
  }

  /** The DATA of stream {@code stream} up to its end; SETTINGS are acknowledged on the way. */
  String readBody(int stream) throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int id = in.readInt() & 0x7FFFFFFF;
      byte[] payload = in.readNBytes(length);
      if (type == SETTINGS && (flags & ACK) == 0) frame(SETTINGS, ACK, 0, new byte[0]);
      if (type == GOAWAY) throw new IOException("the server sent GOAWAY after " + body.toString(UTF_8));
      if (id == stream && type == DATA) body.write(payload);
      if (id == stream && (type == DATA || type == HEADERS) && (flags & END_STREAM) != 0) {
        return body.toString(UTF_8);
      }
    }
  }

  private static void literal(ByteArrayOutputStream block, byte[] name, String value) {
    byte[] bytes = value.getBytes(US_ASCII);
    block.writeBytes(name);
    block.write(bytes.length); // under 127: a one-byte length, no Huffman
    block.writeBytes(bytes);
  }

  private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
        (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
    out.write(payload);
    out.flush();
  }
}
