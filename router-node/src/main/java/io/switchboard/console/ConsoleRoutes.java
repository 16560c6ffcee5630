package io.switchboard.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.ConsoleSettings;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.usage.Metering;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code /console}: the operator's console, served from the jar with no build step (plain HTML, CSS and
 * JS under {@code resources/console/}, uPlot from its WebJar under {@code /console/lib/uplot/}), and
 * its own JSON under {@code /console/api/}. Everything but the login page and the static assets sits
 * behind {@link ConsoleSession#gate}; the pages read the {@code /admin} routes too, which take the
 * session cookie as they take the admin key.
 *
 * <ul>
 *   <li>{@code GET /console/api/info}: this node, whether it is clustered, the providers and their kinds;
 *   <li>{@code GET /console/api/series[?provider=]}: this node's traffic in buckets ({@link TrafficSeries});
 *   <li>{@code GET /console/api/live}: server-sent events, each a JSON array of the calls settled since
 *       the last ({@link LiveRequests}), one event a second at most;
 *   <li>{@code GET /console/api/cluster}: the members ({@link ClusterView});
 *   <li>{@code GET /console/api/models[/{model}]}: the model catalog, as {@code GET /v1/models} shows it.
 * </ul>
 *
 * <p>Nothing here holds a request's or a response's content, nor a key's secret: the series and the
 * live view are fed usage records ({@link Metering#observe}), which carry neither.
 */
public final class ConsoleRoutes extends AllDirectives {
  static final Duration LIVE_TICK = Duration.ofSeconds(1);
  private static final String SECURITY_POLICY = "default-src 'self'; img-src 'self' data:;"
      + " style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  /** What {@code /console/api/info} says of the node. */
  record Info(String node, boolean cluster, List<ProviderInfo> providers, long seriesIntervalMillis) {}

  record ProviderInfo(String id, String kind) {}

  record Series(long intervalMillis, List<TrafficSeries.Point> points) {}

  private final ConsoleSettings settings;
  private final ConsoleSession session;
  private final TrafficSeries all;
  private final Map<String, TrafficSeries> byProvider = new ConcurrentHashMap<>();
  private final LiveRequests live;
  private final ClusterView cluster;
  private final Info info;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final String uplotRoot;

  /** Starts recording this node's settled calls from {@code metering}. */
  public ConsoleRoutes(ActorSystem<?> system, SwitchboardSettings settings, Metering metering, ObjectMapper mapper,
      Clock clock) {
    this.settings = settings.console();
    this.session = new ConsoleSession(settings.auth(), settings.console(), mapper, clock);
    this.all = newSeries();
    this.live = new LiveRequests(this.settings.liveRequests());
    this.cluster = new ClusterView(system, settings.cluster().enabled());
    this.info = new Info(system.address().toString(), settings.cluster().enabled(),
        settings.providers().values().stream().map(ConsoleRoutes::providerInfo).toList(),
        this.settings.seriesInterval().toMillis());
    this.mapper = mapper;
    this.clock = clock;
    this.uplotRoot = "META-INF/resources/webjars/uplot/" + webJarVersion("uplot") + "/dist/";
    if (this.settings.enabled()) {
      settings.providers().keySet().forEach(p -> byProvider.put(p, newSeries()));
      metering.observe(record -> {
        all.record(record);
        live.record(record);
        TrafficSeries provider = byProvider.get(providerOf(record.deployment()));
        if (provider != null) provider.record(record);
      });
    }
  }

  /** The gate, for other browser-facing routes that should open with the console's login. */
  public ConsoleSession session() {
    return session;
  }

  /**
   * Everything under {@code /console}; {@code catalog} is the model catalog's route (as under
   * {@code /v1}), mounted at {@code /console/api/models}. Rejects everything when the console is off.
   */
  public Route route(Route catalog) {
    if (!settings.enabled()) return reject();
    Route api = pathPrefix("api", () -> session.gate(() -> get(() -> concat(
        path("info", () -> complete(json(info))),
        path("series", () -> parameterOptional("provider", provider -> complete(json(series(provider.orElse(null)))))),
        path("live", () -> extractRequest(request -> complete(liveEvents(request)))),
        path("cluster", () -> complete(json(cluster.view()))),
        catalog))));
    Route pages = get(() -> concat(
        pathEnd(() -> redirect(org.apache.pekko.http.javadsl.model.Uri.create("/console/"),
            org.apache.pekko.http.javadsl.model.StatusCodes.MOVED_PERMANENTLY)),
        pathSingleSlash(() -> session.gate(() -> getFromResource("console/index.html", ContentTypes.TEXT_HTML_UTF8))),
        path("login", () -> getFromResource("console/login.html", ContentTypes.TEXT_HTML_UTF8)),
        pathPrefix("assets", () -> getFromResourceDirectory("console/assets")),
        path(PathMatchers.segment("lib").slash("uplot").slash(PathMatchers.segment()), file ->
            file.matches("uPlot\\.(iife\\.min\\.js|min\\.css)") ? getFromResource(uplotRoot + file) : reject())));
    return respondWithHeaders(List.of(RawHeader.create("Content-Security-Policy", SECURITY_POLICY),
            RawHeader.create("X-Frame-Options", "DENY"), RawHeader.create("X-Content-Type-Options", "nosniff"),
            RawHeader.create("Referrer-Policy", "no-referrer"), RawHeader.create("Cache-Control", "no-store")),
        () -> concat(session.routes(), api, pages));
  }

  private Series series(String provider) {
    TrafficSeries series = provider == null ? all : byProvider.get(provider);
    if (series == null) return new Series(all.intervalMillis(), List.of());
    return new Series(series.intervalMillis(), series.points(clock.millis()));
  }

  /** One event per tick with the calls settled since the last; a comment when none, to keep the line open. */
  private HttpResponse liveEvents(org.apache.pekko.http.javadsl.model.HttpRequest request) {
    AtomicLong seen = new AtomicLong(0);
    Source<ByteString, ?> events = Source.tick(Duration.ZERO, LIVE_TICK, "tick")
        .takeWhile(tick -> session.admitted(request))
        .map(tick -> {
          List<LiveRequests.Entry> entries = live.after(seen.get());
          if (entries.isEmpty()) return ByteString.fromString(": idle\n\n");
          seen.set(entries.get(entries.size() - 1).seq());
          return ByteString.fromString("data: ").concat(ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(entries)))
              .concat(ByteString.fromString("\n\n"));
        });
    return HttpResponse.create()
        .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), events));
  }

  private HttpResponse json(Object body) {
    try {
      return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a console view could not be written", e);
    }
  }

  private TrafficSeries newSeries() {
    return new TrafficSeries(settings.seriesInterval().toMillis(), settings.seriesBuckets());
  }

  private static ProviderInfo providerInfo(ProviderSettings p) {
    return new ProviderInfo(p.id(), p.kind().configName());
  }

  /** A deployment label is {@code provider/upstream-model}. */
  static String providerOf(String deployment) {
    int slash = deployment == null ? -1 : deployment.indexOf('/');
    return slash < 0 ? deployment : deployment.substring(0, slash);
  }

  private static String webJarVersion(String artifact) {
    String path = "META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties";
    try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) throw new IllegalStateException("the " + artifact + " WebJar is not on the class path");
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new IllegalStateException("the " + artifact + " WebJar could not be read", e);
    }
  }
}
