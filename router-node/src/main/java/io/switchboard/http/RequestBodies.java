package io.switchboard.http;

import io.switchboard.config.HttpSettings;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;

/**
 * Reads a request's body whole, within {@code switchboard.http.max-request-body} and
 * {@code request-body-timeout}; a body over the limit fails with 413, one that does not arrive in time
 * with 408, one that cannot be read with 400 ({@link ApiError}s, which each ingress writes in its own
 * envelope).
 */
final class RequestBodies {
  private final HttpSettings http;
  private final Materializer materializer;

  RequestBodies(HttpSettings http, Materializer materializer) {
    this.http = http;
    this.materializer = materializer;
  }

  CompletionStage<ByteString> read(HttpRequest request) {
    return request.entity()
        .withSizeLimit(http.maxRequestBody())
        .toStrict(http.requestBodyTimeout().toMillis(), materializer)
        .handle((strict, error) -> {
          if (error == null) return strict.getData();
          throw failure(error);
        });
  }

  private ApiError failure(Throwable error) {
    Throwable cause = ApiError.unwrap(error);
    if (cause instanceof EntityStreamSizeException) {
      return ApiError.of(413, ApiError.INVALID_REQUEST, "request_too_large", null,
          "The request body is larger than this gateway's limit of " + http.maxRequestBody()
              + " bytes (switchboard.http.max-request-body).");
    }
    if (cause instanceof TimeoutException) {
      return ApiError.of(408, ApiError.INVALID_REQUEST, "request_timeout", null,
          "The request body did not arrive within " + http.requestBodyTimeout().toMillis() + " ms.");
    }
    return ApiError.of(400, ApiError.INVALID_REQUEST, "invalid_body", null,
        "The request body could not be read: " + cause.getMessage());
  }
}
