package io.switchboard.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The API's description: {@code GET /openapi.json} (the OpenAPI 3.1 document, kept by hand in
 * {@code resources/openapi/openapi.json}; {@code OpenApiRoutesTest} fails when it and the routes part),
 * and Swagger UI over it at {@code GET /docs}, its scripts and styles under {@code /docs/} from the
 * {@code org.webjars:swagger-ui} jar on the classpath.
 *
 * <p>The description is open like {@code /health}: it holds no secret, only what the public
 * documentation says. The UI is mounted by {@link ApiRoutes} behind whatever gate it gives {@link #ui}.
 */
final class ApiDocsRoutes extends AllDirectives {
  private static final String OWN = "openapi/";
  private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";

  /** The files {@code /docs/} serves, each from our resources or Swagger UI's jar, with its type. */
  private static final ContentType JS = ContentTypes.create(MediaTypes.APPLICATION_JAVASCRIPT, HttpCharsets.UTF_8);
  private static final Map<String, ContentType> ASSETS = Map.of(
      "swagger-ui.css", ContentTypes.create(MediaTypes.TEXT_CSS, HttpCharsets.UTF_8),
      "swagger-ui-bundle.js", JS,
      "swagger-ui-standalone-preset.js", JS,
      "favicon-32x32.png", ContentTypes.create(MediaTypes.IMAGE_PNG),
      "initializer.js", JS);

  private final byte[] description = read(OWN + "openapi.json");
  private final byte[] page = read(OWN + "docs.html");
  private final String webjar = WEBJAR + swaggerUiVersion() + "/";

  /** {@code GET /openapi.json}. */
  Route description() {
    return path("openapi.json", () -> get(() ->
        complete(HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, description))));
  }

  /** Swagger UI, to be mounted under {@code /docs}: the page at {@code /docs}, its files beneath. */
  Route ui() {
    return concat(
        pathEnd(() -> get(() -> complete(HttpResponse.create().withEntity(ContentTypes.TEXT_HTML_UTF8, page)))),
        path(PathMatchers.segment(), file -> get(() -> {
          ContentType type = ASSETS.get(file);
          if (type == null) return reject();
          return getFromResource(file.equals("initializer.js") ? OWN + file : webjar + file, type);
        })));
  }

  private static String swaggerUiVersion() {
    Properties pom = new Properties();
    try (InputStream in = stream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
      pom.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pom.getProperty("version");
  }

  private static byte[] read(String resource) {
    try (InputStream in = stream(resource)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  private static InputStream stream(String resource) {
    InputStream in = ApiDocsRoutes.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) throw new IllegalStateException(resource + " is not on the classpath");
    return in;
  }
}
