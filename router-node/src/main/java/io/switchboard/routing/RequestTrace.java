package io.switchboard.routing;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * What one client request carries through the dispatcher for observation: its id (for request-scoped
 * log lines) and the time its upstream calls spent answering, summed over retries and fallbacks (to
 * their response headers, or to a stream's first event), which the gateway's overhead excludes;
 * the upstream's own id for the call that answered, which Anthropic's clients are told; and the
 * client's departure, which cancels the request's upstream calls.
 */
public final class RequestTrace {
  /** For callers that do not trace: no id, and the upstream time goes nowhere anyone reads. */
  public static RequestTrace untraced() {
    return new RequestTrace("");
  }

  private final String requestId;
  private final CompletionStage<?> clientGone;
  private final AtomicLong upstreamNanos = new AtomicLong();
  private final AtomicReference<Deadline> deadline;
  private final boolean branch;
  private volatile String upstreamRequestId;

  /** A request whose client's departure is not watched. */
  public RequestTrace(String requestId) {
    this(requestId, new CompletableFuture<Void>());
  }

  /** @param clientGone completes when the client closes its connection; the request's upstream calls are then abandoned */
  public RequestTrace(String requestId, CompletionStage<?> clientGone) {
    this(requestId, clientGone, new AtomicReference<>(), false);
  }

  private RequestTrace(String requestId, CompletionStage<?> clientGone, AtomicReference<Deadline> deadline,
      boolean branch) {
    this.requestId = requestId;
    this.clientGone = clientGone;
    this.deadline = deadline;
    this.branch = branch;
  }

  /**
   * One of several calls this request makes at once (a fan-out's candidate): the same id and the same
   * deadline, its own upstream time, and abandoned when the client leaves or when {@code cancelled}
   * completes, whichever is first.
   */
  public RequestTrace branch(CompletionStage<?> cancelled) {
    CompletableFuture<Object> gone = new CompletableFuture<>();
    clientGone.whenComplete((ok, error) -> gone.complete(ok));
    cancelled.whenComplete((ok, error) -> gone.complete(ok));
    return new RequestTrace(requestId, gone, deadline, true);
  }

  /** Whether this is a {@link #branch} of a request, rather than the request itself. */
  public boolean isBranch() {
    return branch;
  }

  /**
   * The request's deadline: started by its first dispatch, and shared by any later one (an auto route's
   * fallback to another model), so that one deadline covers every attempt of the request.
   */
  Deadline deadline(Supplier<Deadline> start) {
    return deadline.updateAndGet(started -> started != null ? started : start.get());
  }

  /** Completes when the client has left: nothing more is sent upstream for it. */
  public CompletionStage<?> clientGone() {
    return clientGone;
  }

  public String requestId() {
    return requestId;
  }

  public long upstreamNanos() {
    return upstreamNanos.get();
  }

  void addUpstream(long nanos) {
    upstreamNanos.addAndGet(nanos);
  }

  /**
   * A fan-out's calls, made on {@link #branch}es, took {@code nanos} from the first start to the answer:
   * the request's upstream time (its branches' own times overlap, so their sum would overstate it).
   */
  public void addFannedOut(long nanos) {
    upstreamNanos.addAndGet(nanos);
  }

  /** The answering upstream's own request id, when it gave one. */
  public Optional<String> upstreamRequestId() {
    return Optional.ofNullable(upstreamRequestId);
  }

  void upstreamRequestId(String id) {
    upstreamRequestId = id;
  }
}
