package io.switchboard.provider.openai;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A TCP server that starts an HTTP answer and then resets the connection (RST, via SO_LINGER 0):
 * the fault a crashing upstream or a middlebox produces, which an HTTP-level fake cannot.
 */
final class ResettingServer implements AutoCloseable {
  private final ServerSocket socket;
  private final Thread acceptor;

  ResettingServer() throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::serve, "resetting-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
  }

  private void serve() {
    while (!socket.isClosed()) {
      try (Socket client = socket.accept()) {
        readHeaders(client.getInputStream());
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
            + "{\"id\":\"chatcmpl-cut\",\"object\":\"chat.comp").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        client.setSoLinger(true, 0);
      } catch (IOException e) {
        if (socket.isClosed()) return;
      }
    }
  }

  private static void readHeaders(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    int b;
    while (matched < 4 && (b = in.read()) != -1) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
