package io.switchboard.provider;

import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.UpstreamException.Kind;
import io.switchboard.provider.transport.CallAbandonedException;
import io.switchboard.provider.transport.UpstreamTransport;
import java.net.ConnectException;
import java.net.UnknownHostException;
import io.switchboard.ratelimit.RateLimitSignals;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.scaladsl.Framing.FramingException;
import org.apache.pekko.stream.javadsl.FramingTruncation;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One provider's HTTP client, as the translating upstreams (Anthropic, Ollama) use it: the provider's
 * own pool, its timeouts, and every transport failure told as an {@link UpstreamException} that names
 * the provider and the setting involved. The dialect (paths, headers, bodies) is the caller's business.
 *
 * <p>Requests travel by the provider's {@link UpstreamTransport} ({@code connection-pool.client}): at
 * most {@code connection-pool.max-connections} connections, room for as many queued requests as the
 * provider admits, and no retries of its own (retrying is a routing decision).
 */
public final class UpstreamHttp {
  private static final int MAX_ERROR_BODY = 64 * 1024;
  /** The switch that cuts an abandoned call's body ({@link #cutWhen}). */
  private static final AttributeKey<SharedKillSwitch> CUT = AttributeKey.create("switchboard-abandoned-call",
      SharedKillSwitch.class);

  private final ProviderSettings settings;
  private final String baseUrl;
  private final UpstreamTransport transport;
  private final Materializer materializer;
  private final boolean refusedMeansUnavailable;
  private final Clock clock;
  private final CredentialRedactor redactor;

  /**
   * @param refusedMeansUnavailable a refused connection is {@link Kind#UNAVAILABLE} (a local server
   *     that is not running) rather than {@link Kind#CONNECTION_FAILED}
   */
  public UpstreamHttp(
      ActorSystem<?> system, ProviderSettings settings, String baseUrl, boolean refusedMeansUnavailable) {
    this(system, settings, baseUrl, refusedMeansUnavailable, Clock.systemUTC());
  }

  /** @param clock reads HTTP-date {@code Retry-After} values against the present */
  public UpstreamHttp(ActorSystem<?> system, ProviderSettings settings, String baseUrl,
      boolean refusedMeansUnavailable, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.redactor = CredentialRedactor.forProvider(settings);
    this.baseUrl = baseUrl;
    this.refusedMeansUnavailable = refusedMeansUnavailable;
    this.transport = UpstreamTransport.of(system, settings);
    this.materializer = Materializer.matFromSystem(system);
  }

  public String provider() {
    return settings.id();
  }

  /**
   * A POST to {@code endpoint}. Adapters parse their endpoint into a {@link Uri} once: building a
   * request from a string parses the URI again on every request.
   */
  public static HttpRequest post(Uri endpoint) {
    return HttpRequest.create().withMethod(HttpMethods.POST).withUri(endpoint);
  }

  /**
   * Sends a request; fails with TIMEOUT when no response headers arrive within {@code timeouts.first-byte}.
   * A call {@linkplain Abandonment abandoned} by its caller has its response body cut, which closes its
   * connection. One abandoned before its headers came is withdrawn at once by the Netty transport (its
   * connection closed, the call failed as CONNECTION_FAILED); Pekko's pool cannot withdraw a pooled
   * request, so there it is cut when its headers come. A call whose first-byte time ran out is given up
   * the same way: the Netty transport closes its connection (or never sends it, if it was still waiting
   * for one), so an upstream that never answers does not keep a connection of the pool for ever.
   */
  public CompletionStage<HttpResponse> send(HttpRequest request) {
    Duration firstByte = settings.timeouts().firstByte();
    CompletionStage<Void> abandonment = Abandonment.current().orElse(null);
    // Completed when the call is given up before its headers: by its caller, or by first-byte running out.
    CompletableFuture<Void> givenUp = new CompletableFuture<>();
    if (abandonment != null) abandonment.thenRun(() -> givenUp.complete(null));
    CompletableFuture<HttpResponse> sent = transport.send(request, givenUp).toCompletableFuture();
    CompletableFuture<HttpResponse> response = abandonment == null ? sent : cutWhen(abandonment, sent);
    return response.copy()
        .orTimeout(firstByte.toMillis(), TimeUnit.MILLISECONDS)
        .handle((resp, error) -> {
          if (error == null) return resp;
          Throwable cause = unwrap(error);
          if (cause instanceof TimeoutException) {
            givenUp.complete(null);
            // Pekko's pool cannot withdraw it, so its answer may still come: drain it, which frees the connection.
            response.thenAccept(late -> late.discardEntityBytes(materializer));
            throw failure(Kind.TIMEOUT, "Provider '" + settings.id() + "' sent no response headers within "
                + firstByte.toMillis() + " ms (timeouts.first-byte).", cause);
          }
          if (cause instanceof CallAbandonedException) throw abandoned(cause);
          throw connectionFailure(cause);
        });
  }

  private UpstreamException abandoned(Throwable cause) {
    return failure(Kind.CONNECTION_FAILED,
        "Provider '" + settings.id() + "': the call was abandoned by its caller and its connection closed.", cause);
  }

  /**
   * {@code sent}'s response, its body cut (and so its connection closed) once {@code abandoned} completes.
   * The switch rides on the response as an attribute, applied where the body is read ({@link #frames},
   * {@link #body}): wrapping the entity here would put five more stages on every stream a node holds.
   */
  private CompletableFuture<HttpResponse> cutWhen(CompletionStage<Void> abandoned, CompletableFuture<HttpResponse> sent) {
    SharedKillSwitch cut = KillSwitches.shared("abandoned-call");
    abandoned.thenRun(() -> cut.abort(abandoned(null)));
    return sent.thenApply(resp -> resp.entity().isStrict()
        ? resp // all of it is here already: nothing left to cut
        : resp.addAttribute(CUT, cut));
  }

  /** {@code response}'s entity, cut when its call is abandoned ({@link #cutWhen}): for reading it whole. */
  private static ResponseEntity cutEntity(HttpResponse response) {
    ResponseEntity entity = response.entity();
    Optional<SharedKillSwitch> cut = response.getAttribute(CUT);
    if (cut.isEmpty()) return entity;
    Source<ByteString, ?> data = entity.getDataBytes().via(cut.get().flow());
    OptionalLong length = entity.getContentLengthOption();
    return length.isPresent()
        ? HttpEntities.create(entity.getContentType(), length.getAsLong(), data)
        : HttpEntities.createChunked(entity.getContentType(), data);
  }

  /** {@code response}'s body bytes, cut when its call is abandoned ({@link #cutWhen}). */
  private static Source<ByteString, ?> cutData(HttpResponse response) {
    Source<ByteString, ?> data = response.entity().getDataBytes();
    Optional<SharedKillSwitch> cut = response.getAttribute(CUT);
    return cut.isEmpty() ? data : data.via(cut.get().flow());
  }

  /** The whole body of a response, within {@code timeouts.total}. */
  public CompletionStage<ByteString> body(HttpResponse response) {
    Duration total = settings.timeouts().total();
    return cutEntity(response).toStrict(total.toMillis(), materializer)
        .handle((strict, error) -> {
          if (error == null) return strict.getData();
          Throwable cause = unwrap(error);
          if (cause instanceof TimeoutException) {
            throw failure(Kind.TIMEOUT, "Provider '" + settings.id() + "' did not finish its answer within "
                + total.toMillis() + " ms (timeouts.total).", cause);
          }
          throw connectionFailure(cause);
        });
  }

  /**
   * The body of a streaming response cut into frames at {@code delimiter} (delimiter removed), each
   * at most {@code max-stream-event} bytes. It fails with a {@link StreamFault}: {@code STALL} after
   * {@code timeouts.stream-idle} of silence, {@code MALFORMED_EVENT} for a frame over the size limit,
   * {@code RESET} when the connection breaks.
   */
  public Source<ByteString, NotUsed> frames(HttpResponse response, ByteString delimiter) {
    return frames(response, delimiter, FramingTruncation.ALLOW);
  }

  /**
   * As {@link #frames(HttpResponse, ByteString)}; with {@link FramingTruncation#DISALLOW} a last frame
   * without its delimiter fails the stream ({@code RESET}: it was cut) instead of being passed on.
   */
  public Source<ByteString, NotUsed> frames(HttpResponse response, ByteString delimiter, FramingTruncation lastFrame) {
    Duration idle = settings.timeouts().streamIdle();
    return cutData(response)
        .via(Framing.delimiter(delimiter, settings.maxStreamEvent(), lastFrame))
        .idleTimeout(idle)
        .mapError(Throwable.class, e -> e instanceof UpstreamException ? e : streamFailure(e, idle))
        .mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  private UpstreamException streamFailure(Throwable e, Duration idle) {
    if (e instanceof TimeoutException) {
      return inStream(StreamFault.STALL, "Provider '" + settings.id() + "' sent nothing for " + idle.toMillis()
          + " ms in the middle of a stream (timeouts.stream-idle).", e);
    }
    if (e instanceof FramingException && !String.valueOf(e.getMessage()).contains("truncated")) {
      return inStream(StreamFault.MALFORMED_EVENT, "Provider '" + settings.id() + "' sent a stream event longer than "
          + settings.maxStreamEvent() + " bytes (max-stream-event).", e);
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    return inStream(StreamFault.RESET, "Provider '" + settings.id() + "' broke off the stream before its end: "
        + redact(String.valueOf(root.getMessage())), e);
  }

  /** A failure in the middle of a stream, told to the client by {@code fault}'s code. */
  public UpstreamException inStream(StreamFault fault, String message, Throwable cause) {
    return UpstreamException.inStream(fault, settings.id(), message, cause);
  }

  /** An upstream event that breaks its protocol; the message names what, never the event's bytes. */
  public UpstreamException malformedEvent(String what) {
    return StreamFault.malformedEvent(settings.id(), what);
  }

  /**
   * Whether the upstream answered 2xx. Pekko counts a redirect as a success too; the gateway follows no
   * redirects, so for it a 3xx is an error answer like any other.
   */
  public static boolean succeeded(HttpResponse response) {
    int status = response.status().intValue();
    return status >= 200 && status < 300;
  }

  /**
   * The upstream's own id for the call: Anthropic's {@code request-id}, else OpenAI's {@code x-request-id};
   * null when there is none or it is not a plain token (1 to 128 printable ASCII characters), so that
   * nothing odd is echoed to a client.
   */
  public static String requestId(HttpResponse response) {
    String id = response.getHeader("request-id").or(() -> response.getHeader("x-request-id"))
        .map(HttpHeader::value).map(String::trim).orElse("");
    if (id.isEmpty() || id.length() > 128) return null;
    for (int i = 0; i < id.length(); i++) {
      if (id.charAt(i) < 0x21 || id.charAt(i) > 0x7e) return null;
    }
    return id;
  }

  /**
   * An error answer's status, body (truncated, or null when unreadable) and {@code retry-after}. The
   * body is already clean of credentials ({@link CredentialRedactor}): an upstream that echoes the
   * request it got would otherwise quote the gateway's key to the client.
   */
  public record ErrorAnswer(int status, String body, Duration retryAfter) {}

  /**
   * The error answer's status, clean body and {@code retry-after}, the latter at most
   * {@code limits.max-pause}: the longest this provider is paused is also the longest a client is told
   * to wait, whatever the upstream asked.
   */
  public CompletionStage<ErrorAnswer> errorAnswer(HttpResponse response) {
    int status = response.status().intValue();
    Duration maxPause = settings.limits().maxPause();
    Duration retryAfter = signals(response).pause()
        .map(asked -> asked.compareTo(maxPause) > 0 ? maxPause : asked).orElse(null);
    return cutEntity(response).toStrict(settings.timeouts().total().toMillis(), materializer)
        .handle((strict, error) -> new ErrorAnswer(status,
            error == null ? redact(truncate(strict.getData().utf8String())) : null, retryAfter));
  }

  /**
   * {@code text} from this upstream (an error body, an error event in a stream) without credentials:
   * the provider's own key and anything shaped like one.
   */
  public String redact(String text) {
    return redactor.redact(text);
  }

  public UpstreamException failure(Kind kind, String message, Throwable cause) {
    return new UpstreamException(kind, settings.id(), message, 0, null, null, cause);
  }

  /** A 2xx answer that is not what the protocol promises. */
  public UpstreamException malformed(String what, Throwable cause) {
    return failure(Kind.MALFORMED_RESPONSE, "Provider '" + settings.id() + "' answered with " + what + ".", cause);
  }

  public UpstreamException connectionFailure(Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    if (UpstreamTransport.isConnectTimeout(cause)) {
      return failure(Kind.TIMEOUT, "Provider '" + settings.id() + "': could not connect to " + baseUrl + " within "
          + settings.timeouts().connect().toMillis() + " ms (timeouts.connect).", cause);
    }
    if (hasCause(cause, UnknownHostException.class)) {
      return failure(Kind.CONNECTION_FAILED,
          "Provider '" + settings.id() + "': could not resolve the host of " + baseUrl, cause);
    }
    boolean refused = hasCause(cause, ConnectException.class)
        || String.valueOf(root.getMessage()).contains("Connection refused");
    if (refused && refusedMeansUnavailable) {
      return failure(Kind.UNAVAILABLE, "Provider '" + settings.id()
          + "' is unavailable: nothing accepts connections at " + baseUrl
          + " (connection refused). Start the server there, or route to another provider.", cause);
    }
    return failure(Kind.CONNECTION_FAILED,
        "Provider '" + settings.id() + "': connection to " + baseUrl + " failed: " + redact(root.getMessage()), cause);
  }

  /** The OpenAI stream's end marker, sent once a translated stream has finished. */
  public static final ByteString OPENAI_DONE = ByteString.fromString("data: " + OpenAiJson.DONE_SENTINEL + "\n\n");

  /** What the response's headers say about the provider's limits (Retry-After, x-ratelimit-*, anthropic-ratelimit-*). */
  public RateLimitSignals signals(HttpResponse response) {
    // Most answers carry none of these headers: one pass over the headers spares the dozen lookups.
    boolean any = false;
    for (HttpHeader header : response.getHeaders()) {
      String name = header.lowercaseName();
      if (name.startsWith("x-ratelimit-") || name.startsWith("anthropic-ratelimit-") || name.startsWith("retry-after")) {
        any = true;
        break;
      }
    }
    if (!any) return RateLimitSignals.NONE;
    return RateLimitSignals.parse(name -> response.getHeader(name).map(HttpHeader::value), clock.millis());
  }

  private static String truncate(String body) {
    return body.length() <= MAX_ERROR_BODY ? body : body.substring(0, MAX_ERROR_BODY);
  }

  private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (type.isInstance(t)) return true;
    }
    return false;
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }
}
