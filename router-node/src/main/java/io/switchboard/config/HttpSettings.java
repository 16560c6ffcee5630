package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Where the gateway listens and what it accepts from clients ({@code switchboard.http}).
 *
 * @param anthropicPingInterval silence after which an Anthropic-ingress stream gets a {@code ping}
 *     event; zero: no periodic pings
 * @param http2 the port also speaks HTTP/2 cleartext (h2c, prior knowledge or Upgrade), so a mesh
 *     client can multiplex thousands of requests over a few connections; HTTP/1.1 clients are served
 *     as before on the same port
 * @param connections how long a connection may hold its slot without a request, and how many one
 *     client address may hold
 * @param shutdownUnready on shutdown, how long {@code /ready} answers 503 while the port still serves,
 *     before it stops accepting
 */
public record HttpSettings(
    String host, int port, long maxRequestBody, Duration requestBodyTimeout, Duration shutdownDrain,
    Duration anthropicPingInterval, boolean http2, ConnectionLimits connections, Duration shutdownUnready) {

  static HttpSettings from(Config http) {
    return new HttpSettings(
        http.getString("host"),
        http.getInt("port"),
        http.getBytes("max-request-body"),
        http.getDuration("request-body-timeout"),
        http.getDuration("shutdown-drain"),
        http.getDuration("anthropic-ping-interval"),
        http.getBoolean("http2"),
        ConnectionLimits.from(http),
        http.getDuration("shutdown-unready"));
  }

  public HttpSettings withPort(int newPort) {
    return new HttpSettings(host, newPort, maxRequestBody, requestBodyTimeout, shutdownDrain, anthropicPingInterval,
        http2, connections, shutdownUnready);
  }
}
