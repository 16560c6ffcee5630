package io.switchboard.http;

import io.switchboard.config.HttpSettings;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.scaladsl.model.EntityStreamException;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;

/**
 * Reads a request's body whole, the same way on every route that takes one ({@code /v1} and
 * {@code /admin}): at most {@code switchboard.http.max-request-body} bytes, within
 * {@code switchboard.http.request-body-timeout}. What goes wrong is an {@link ApiError} the caller tells
 * in its own dialect: 413 {@code request_too_large} (at once when the declared length is already too
 * much), 408 {@code request_timeout} for a body that stops arriving, 400 {@code invalid_body} for one that
 * breaks off; never the HTTP library's own exception text.
 *
 * <p>Pekko's parser has a limit of its own ({@code pekko.http.server.parsing.max-content-length});
 * {@link HttpServer} sets it to this one, so the limit a client meets is the documented one.
 */
final class RequestBodies {
  private final HttpSettings http;
  private final Materializer materializer;

  RequestBodies(HttpSettings http, Materializer materializer) {
    this.http = http;
    this.materializer = materializer;
  }

  /** The whole body, or a failed stage holding the {@link ApiError} to answer with. */
  CompletionStage<HttpEntity.Strict> read(HttpRequest request) {
    HttpEntity entity = request.entity();
    if (entity instanceof HttpEntity.Strict strict && strict.getData().size() <= http.maxRequestBody()) {
      return CompletableFuture.completedFuture(strict);
    }
    OptionalLong declared = entity.getContentLengthOption();
    if (declared.isPresent() && declared.getAsLong() > http.maxRequestBody()) {
      return CompletableFuture.failedFuture(tooLarge());
    }
    return entity.withSizeLimit(http.maxRequestBody())
        .toStrict(http.requestBodyTimeout().toMillis(), http.maxRequestBody(), materializer)
        .handle((strict, error) -> {
          if (error == null) return strict;
          throw failure(ApiError.unwrap(error));
        });
  }

  /** {@link #read}'s bytes. */
  CompletionStage<ByteString> bytes(HttpRequest request) {
    return read(request).thenApply(HttpEntity.Strict::getData);
  }

  private ApiError failure(Throwable cause) {
    if (cause instanceof EntityStreamSizeException) return tooLarge();
    // What toStrict's own byte limit fails with ("Request too large").
    if (cause instanceof EntityStreamException e && e.info().summary().toLowerCase(Locale.ROOT).contains("too large")) {
      return tooLarge();
    }
    if (cause instanceof TimeoutException) {
      return ApiError.of(408, ApiError.INVALID_REQUEST, "request_timeout", null,
          "The request body did not arrive within " + http.requestBodyTimeout().toMillis()
              + " ms (switchboard.http.request-body-timeout). Send the whole body promptly.");
    }
    return ApiError.of(400, ApiError.INVALID_REQUEST, "invalid_body", null,
        "The request body could not be read: the connection broke off or the body was not well framed.");
  }

  private ApiError tooLarge() {
    return ApiError.of(413, ApiError.INVALID_REQUEST, "request_too_large", null,
        "The request body is larger than this gateway's limit of " + http.maxRequestBody()
            + " bytes (switchboard.http.max-request-body). Send a smaller request.");
  }
}
