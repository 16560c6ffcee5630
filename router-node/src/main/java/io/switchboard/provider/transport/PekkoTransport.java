package io.switchboard.provider.transport;

import io.switchboard.config.ProviderSettings;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;

/**
 * Pekko HTTP's host pool: at most {@code connection-pool.max-connections} connections, room for as many
 * queued requests as the provider admits, and no retries of its own (retrying is a routing decision). A
 * request handed to it cannot be withdrawn: an abandoned call is cut once its response headers come.
 */
final class PekkoTransport implements UpstreamTransport {
  private final Http http;
  private final HttpsConnectionContext https;
  private final ConnectionPoolSettings pool;
  private final LoggingAdapter log;

  PekkoTransport(ActorSystem<?> system, ProviderSettings settings) {
    this.http = Http.get(system);
    this.https = http.defaultClientHttpsContext();
    this.log = system.classicSystem().log();
    this.pool = ConnectionPoolSettings.create(system.classicSystem())
        .withMaxConnections(settings.maxConnections())
        .withMaxOpenRequests(UpstreamTransport.maxOpenRequests(settings))
        .withMaxRetries(0)
        .withConnectionSettings(ClientConnectionSettings.create(system.classicSystem())
            .withConnectingTimeout(settings.timeouts().connect()));
  }

  @Override
  public CompletionStage<HttpResponse> send(HttpRequest request, CompletionStage<Void> abandoned) {
    return http.singleRequest(request, https, pool, log);
  }
}
