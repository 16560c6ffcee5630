package io.switchboard.provider.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import io.switchboard.provider.UpstreamHttp;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * https on the Netty client: the JVM's default trust decides, the server is asked for its host by
 * SNI, and a certificate for another host is refused. The default trust is pointed at a test trust
 * store ({@code javax.net.ssl.trustStore}) only while a test's client builds its TLS context.
 */
@Tag("integration")
class NettyTlsTest {
  private static final String PASSWORD = "changeit";
  private static final String ANSWER = "{\"ok\":true}";

  @TempDir static Path dir;

  @BeforeAll
  static void certificates() throws Exception {
    keytool("-genkeypair", "-alias", "localhost", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", dir.resolve("localhost.p12").toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool("-genkeypair", "-alias", "elsewhere", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=elsewhere",
        "-ext", "SAN=dns:elsewhere.example", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", dir.resolve("elsewhere.p12").toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
    for (String alias : List.of("localhost", "elsewhere")) {
      keytool("-exportcert", "-alias", alias, "-keystore", dir.resolve(alias + ".p12").toString(),
          "-storepass", PASSWORD, "-file", dir.resolve(alias + ".cer").toString());
      keytool("-importcert", "-noprompt", "-alias", alias, "-file", dir.resolve(alias + ".cer").toString(),
          "-storetype", "PKCS12", "-keystore", dir.resolve("trust.p12").toString(), "-storepass", PASSWORD);
    }
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0, "keytool failed: " + output);
  }

  /** A TLS upstream presenting {@code alias}'s certificate, recording the host name the client asked for. */
  private static SocketUpstream upstream(String alias, CompletableFuture<List<SNIServerName>> asked) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(alias + ".p12"))) {
      keys.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(keys, PASSWORD.toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(factory.getKeyManagers(), null, null);
    SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
        .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    return new SocketUpstream(server, (request, socket) -> {
      asked.complete(((ExtendedSSLSession) ((SSLSocket) socket).getSession()).getRequestedServerNames());
      SocketUpstream.write(socket, "200 OK", "application/json", ANSWER);
    });
  }

  /** One call from a fresh node's Netty client, its TLS context built with {@code trustStore} as the default trust. */
  private static CompletableFuture<String> call(String url, Path trustStore) throws Exception {
    ActorTestKit kit = ActorTestKit.create("netty-tls");
    try {
      if (trustStore != null) {
        System.setProperty("javax.net.ssl.trustStore", trustStore.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", PASSWORD);
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
      }
      UpstreamHttp http = new UpstreamHttp(kit.system(), SwitchboardSettings.from(ConfigFactory.parseString(
              "switchboard.providers.p { kind = openai, openai.base-url = \"" + url + "\", connection-pool.client = netty }")
          .withFallback(ConfigFactory.load()).resolve(), k -> null).providers().get("p"), url, false);
      HttpRequest request = UpstreamHttp.post(Uri.create(url + "/chat/completions"))
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, "{}"));
      CompletableFuture<String> answer = new CompletableFuture<>();
      try {
        HttpResponse response = http.send(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
        answer.complete(http.body(response).toCompletableFuture().get(10, TimeUnit.SECONDS).utf8String());
      } catch (ExecutionException e) {
        answer.completeExceptionally(e.getCause());
      }
      return answer;
    } finally {
      System.clearProperty("javax.net.ssl.trustStore");
      System.clearProperty("javax.net.ssl.trustStorePassword");
      System.clearProperty("javax.net.ssl.trustStoreType");
      kit.shutdownTestKit();
    }
  }

  private static UpstreamException failure(CompletableFuture<String> call) {
    ExecutionException e = assertThrows(ExecutionException.class, call::get);
    assertTrue(e.getCause() instanceof UpstreamException, "an UpstreamException, not " + e.getCause());
    return (UpstreamException) e.getCause();
  }

  @Test
  void aTrustedCertificateForTheHost_servesTheCall_andTheHostIsNamedBySni() throws Exception {
    CompletableFuture<List<SNIServerName>> asked = new CompletableFuture<>();
    try (SocketUpstream upstream = upstream("localhost", asked)) {
      String url = "https://localhost:" + upstream.port();

      assertEquals(ANSWER, call(url, dir.resolve("trust.p12")).get());
      assertEquals(List.of(new SNIHostName("localhost")), asked.get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void aTrustedCertificateForAnotherHost_isRefused() throws Exception {
    try (SocketUpstream upstream = upstream("elsewhere", new CompletableFuture<>())) {
      String url = "https://localhost:" + upstream.port();

      UpstreamException failure = failure(call(url, dir.resolve("trust.p12")));

      assertEquals(Kind.CONNECTION_FAILED, failure.kind());
      assertTrue(failure.getMessage().contains("connection to " + url + " failed"), failure.getMessage());
    }
  }

  @Test
  void aCertificateTheJvmDoesNotTrust_isRefused() throws Exception {
    try (SocketUpstream upstream = upstream("localhost", new CompletableFuture<>())) {
      String url = "https://localhost:" + upstream.port();

      UpstreamException failure = failure(call(url, null));

      assertEquals(Kind.CONNECTION_FAILED, failure.kind());
    }
  }
}
