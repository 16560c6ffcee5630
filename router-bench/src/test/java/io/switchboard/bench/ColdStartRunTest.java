package io.switchboard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.bench.coldstart.ColdStartOptions;
import io.switchboard.bench.coldstart.Variant;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The node file a cold start writes, what each variant starts, and which lines of a JDK 25 node's output mean
 * its AOT cache was not used.
 */
@Tag("unit")
class ColdStartRunTest {
  @Test
  void nodeConfig_pointsTheModelAtTheUpstream_andCarriesTheVariantsLines() {
    Config config = ConfigFactory.parseString(ColdStartRun.nodeConfig(8123, "http://127.0.0.1:9000", 64,
        "switchboard.warm-up.enabled = false, switchboard.x = 1"));
    assertEquals(8123, config.getInt("switchboard.http.port"));
    assertEquals("http://127.0.0.1:9000/v1", config.getString("switchboard.providers.bench.openai.base-url"));
    assertEquals("bench", config.getString("switchboard.models.bench-model.provider"));
    assertEquals(64, config.getInt("switchboard.providers.bench.connection-pool.max-connections"));
    assertEquals(64, config.getInt("switchboard.providers.bench.max-in-flight"));
    assertFalse(config.getBoolean("switchboard.warm-up.enabled"));
    assertEquals(1, config.getInt("switchboard.x"));
  }

  @Test
  void aNodeVariant_startsTheNodeJarWithItsFile_andTheBarePekkoVariant_theProxyInFrontOfTheSameUpstream() {
    ColdStartOptions options = ColdStartOptions.of(Map.of("upstream", "http://127.0.0.1:9000",
        "node-jar", "/jars/node.jar"));
    Map<String, Variant> known = Variant.catalogue("java", "java25", List.of());
    assertEquals(List.of("-jar", "/jars/node.jar", "--config", "/run/n.conf"),
        ColdStartRun.program(known.get("jdk17"), options, 8123, Path.of("/run/n.conf")));
    List<String> bare = ColdStartRun.program(known.get("bare-pekko"), options, 8123, Path.of("/run/n.conf"));
    assertEquals(List.of("-cp", System.getProperty("java.class.path"), "io.switchboard.bench.upstream.BarePekkoProxy",
        "--port", "8123", "--upstream", "http://127.0.0.1:9000"), bare);
  }

  @Test
  void aotComplaints_areWarningsAndErrorsTaggedAot() {
    // As Temurin 25.0.3 prints them when the cache's flags differ from the JVM's.
    assertTrue(ColdStartRun.isAotComplaint("[0.127s][warning][aot] Unable to use AOT cache."));
    assertTrue(ColdStartRun.isAotComplaint("[0.128s][error  ][aot] Loading static archive failed."));
    assertTrue(ColdStartRun.isAotComplaint("[0.128s][warning][cds,heap] Unable to use the archived heap."));
    assertFalse(ColdStartRun.isAotComplaint("[0.100s][info][aot] Opened AOT cache n.aot."));
    assertFalse(ColdStartRun.isAotComplaint("[                    ] The AOT cache's UseCompactObjectHeaders setting"));
    assertFalse(ColdStartRun.isAotComplaint("23:18:36.639 INFO  io.switchboard.persistence.Schema - Persistence: H2"));
  }

  @Test
  void aCacheInUse_isShownByItsOpenedLine() {
    // As Temurin 25.0.3 prints it with -Xlog:aot when it maps the cache.
    assertTrue(ColdStartRun.isAotOpened("[0.060s][info][aot] Opened AOT cache /tmp/r/aot/jdk25-aot.aot."));
    assertFalse(ColdStartRun.isAotOpened("[0.060s][info][aot] trying to map /tmp/r/aot/jdk25-aot.aot"));
    assertFalse(ColdStartRun.isAotOpened("[0.127s][warning][aot] Unable to use AOT cache."));
  }
}
