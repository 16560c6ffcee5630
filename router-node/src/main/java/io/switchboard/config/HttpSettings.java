package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/** Where the gateway listens and what it accepts from clients ({@code switchboard.http}). */
public record HttpSettings(
    String host, int port, long maxRequestBody, Duration requestBodyTimeout, Duration shutdownDrain) {

  static HttpSettings from(Config http) {
    return new HttpSettings(
        http.getString("host"),
        http.getInt("port"),
        http.getBytes("max-request-body"),
        http.getDuration("request-body-timeout"),
        http.getDuration("shutdown-drain"));
  }

  public HttpSettings withPort(int newPort) {
    return new HttpSettings(host, newPort, maxRequestBody, requestBodyTimeout, shutdownDrain);
  }
}
