package io.switchboard.http.connection;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * Completes when the client of one request closes its connection before that request's response has
 * been sent; carried on the request as an attribute, so that a handler can stop the work done for it
 * (the upstream call a client left behind would otherwise run on, and be retried).
 *
 * <pre>{@code
 * RequestTrace trace = new RequestTrace(id, ClientGone.of(request));
 * }</pre>
 */
public record ClientGone(CompletionStage<Void> signal) {
  static final AttributeKey<ClientGone> KEY = AttributeKey.create("switchboard-client-gone", ClientGone.class);

  /** {@code request}'s signal; one that never completes when its connection is not watched (HTTP/2 streams). */
  public static CompletionStage<Void> of(HttpRequest request) {
    return request.getAttribute(KEY).map(ClientGone::signal).orElseGet(CompletableFuture::new);
  }
}
