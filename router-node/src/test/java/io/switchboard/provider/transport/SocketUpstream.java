package io.switchboard.provider.transport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 upstream on a plain socket, for what a Pekko server hides: how many connections the
 * client opened, how many it holds at once, and the moment it closes one. Each connection has its own
 * thread, serving requests in turn with the test's {@link Handler}.
 */
final class SocketUpstream implements AutoCloseable {
  /** What the fake does with a request it read from {@code socket}. */
  @FunctionalInterface
  interface Handler {
    void handle(Request request, Socket socket) throws Exception;
  }

  record Request(String method, String target, Map<String, String> headers, String body) {}

  private final ServerSocket server;
  private volatile Handler handler;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger mostOpen = new AtomicInteger();
  private final BlockingQueue<Request> arrivals = new LinkedBlockingQueue<>();
  private final BlockingQueue<Integer> closedByClient = new LinkedBlockingQueue<>();

  SocketUpstream(Handler handler) throws IOException {
    this(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), handler);
  }

  /** Serves on {@code server}, e.g. a TLS server socket. */
  SocketUpstream(ServerSocket server, Handler handler) {
    this.handler = handler;
    this.server = server;
    Thread acceptor = new Thread(this::accept, "socket-upstream");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  int port() {
    return server.getLocalPort();
  }

  void answer(Handler next) {
    handler = next;
  }

  /** Connections the client opened so far. */
  int connectionsAccepted() {
    return accepted.get();
  }

  /** The most connections the client held open at once. */
  int mostOpenConnections() {
    return mostOpen.get();
  }

  /** The next request to arrive; fails the test when none comes within 10 s. */
  Request nextRequest() throws InterruptedException {
    Request request = arrivals.poll(10, TimeUnit.SECONDS);
    if (request == null) throw new AssertionError("no request reached the upstream within 10 s");
    return request;
  }

  /** The request that arrived since, if any, without waiting. */
  Request arrived() {
    return arrivals.poll();
  }

  /** Waits until the client closes a connection; fails the test when it does not within 10 s. */
  void awaitClosedByClient() throws InterruptedException {
    if (closedByClient.poll(10, TimeUnit.SECONDS) == null) {
      throw new AssertionError("the client did not close its connection within 10 s");
    }
  }

  // ---- handlers ---------------------------------------------------------------------------------

  /** 200 with a JSON body, connection kept alive. */
  static Handler json(String body) {
    return (request, socket) -> write(socket, "200 OK", "application/json", body);
  }

  /** Sends no response until {@code release} completes, then {@code body}. */
  static Handler holdUntil(CompletableFuture<Void> release, String body) {
    return (request, socket) -> {
      release.get(30, TimeUnit.SECONDS);
      write(socket, "200 OK", "application/json", body);
    };
  }

  /**
   * 200 with a JSON body of which only the first half is sent; the connection thread then waits until
   * the client closes the connection.
   */
  static Handler halfOf(String body) {
    return (request, socket) -> {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes, 0, bytes.length / 2);
      out.flush();
      while (socket.getInputStream().read() >= 0) {
        // the rest never comes; read only to see the client close
      }
    };
  }

  /** Never answers; the connection thread waits until the client closes the connection. */
  static Handler silence() {
    return (request, socket) -> {
      while (socket.getInputStream().read() >= 0) {
        // the client sends nothing more; read only to see it close
      }
    };
  }

  /** A whole response in one write, as a server sends a small answer: it reaches the client in one read. */
  static void write(Socket socket, String status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream response = new ByteArrayOutputStream();
    response.write(("HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + bytes.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    response.write(bytes);
    OutputStream out = socket.getOutputStream();
    out.write(response.toByteArray());
    out.flush();
  }

  // ---- serving ----------------------------------------------------------------------------------

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        accepted.incrementAndGet();
        mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        Thread connection = new Thread(() -> serve(socket), "socket-upstream-connection");
        connection.setDaemon(true);
        connection.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      Request request;
      while ((request = read(in)) != null) {
        arrivals.add(request);
        handler.handle(request, socket);
      }
    } catch (Exception broken) {
      // the client went away mid-exchange: counted as closed below
    } finally {
      open.decrementAndGet();
      closedByClient.add(socket.getLocalPort());
    }
  }

  /** One request, or null when the client closed the connection before sending another. */
  private static Request read(InputStream in) throws IOException {
    String line = line(in);
    if (line == null) return null;
    String[] start = line.split(" ");
    Map<String, String> headers = new TreeMap<>();
    String header;
    while ((header = line(in)) != null && !header.isEmpty()) {
      int colon = header.indexOf(':');
      headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    return new Request(start[0], start[1], headers, new String(body, StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') return line.toString(StandardCharsets.US_ASCII).replace("\r", "");
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
