package io.switchboard.bench.coldstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The run's arguments: defaults, the JDKs and common flags reaching every variant, and refusals. */
@Tag("unit")
class ColdStartOptionsTest {
  @Test
  void defaults_fiveVariantsThreeStartsAMinuteOfLoad_inAboutTwentyThreeMinutes() {
    ColdStartOptions o = ColdStartOptions.of(Map.of("upstream", "http://127.0.0.1:9000/"));
    assertEquals("http://127.0.0.1:9000", o.upstream(), "trailing slash dropped");
    assertEquals(List.of("bare-pekko", "jdk17-off", "jdk17", "jdk25-aot", "jdk25-image"),
        o.variants().stream().map(Variant::label).toList());
    assertEquals("java", o.variants().get(0).java());
    assertEquals(Variant.DEFAULT_JDK25, o.variants().get(3).java());
    assertEquals(3, o.starts());
    assertEquals(Duration.ofSeconds(60), o.load());
    assertEquals(10, o.windowSeconds());
    assertEquals(64, o.connections());
    assertEquals(4096, o.upstreamPool(), "as run.sh's benchmark node");
    assertNull(o.machine());
    assertEquals(Path.of("deploy/aot-cache.sh"), o.aotScript(), "the script the image's build runs");
    assertEquals(2000, o.imageWarmUpRequests(), "as deploy/Dockerfile gives it");
    // 20 s upstream warm-up + two trainings (45 + 60 s each) + 15 starts of (60 + 15 s)
    assertEquals(Duration.ofSeconds(20 + 2 * 105 + 15 * 75), o.estimate());
  }

  @Test
  void jdksAndCommonFlags_reachTheNamedVariants() {
    ColdStartOptions o = ColdStartOptions.of(Map.ofEntries(Map.entry("upstream", "http://u"),
        Map.entry("jdk17", "/a/java"), Map.entry("jdk25", "/b/java"), Map.entry("common-flags", "-Xmx2g -Xms2g"),
        Map.entry("variants", "jdk17,jdk25-plain"), Map.entry("starts", "5"), Map.entry("load-seconds", "30"),
        Map.entry("upstream-pool", "64"), Map.entry("machine", "m.txt"), Map.entry("aot-script", "/x/aot.sh"),
        Map.entry("image-warm-up-requests", "20000")));
    assertEquals("/a/java", o.variants().get(0).java());
    assertEquals(List.of("-Xmx2g", "-Xms2g"), o.variants().get(0).flags());
    assertEquals("/b/java", o.variants().get(1).java());
    assertEquals(5, o.starts());
    assertEquals(Duration.ofSeconds(30), o.load());
    assertEquals(Path.of("m.txt"), o.machine());
    assertEquals(64, o.upstreamPool());
    assertEquals(Path.of("/x/aot.sh"), o.aotScript());
    assertEquals(20000, o.imageWarmUpRequests());
    assertEquals(Duration.ofSeconds(20 + 10 * 45), o.estimate(), "no AOT variant, no training");
  }

  @Test
  void refusals_sayWhatIsWrong() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ColdStartOptions.of(Map.of()))
        .getMessage().contains("--upstream"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ColdStartOptions.of(Map.of("upstream", "http://u", "starts", "three"))).getMessage().contains("--starts"));
    assertThrows(IllegalArgumentException.class,
        () -> ColdStartOptions.of(Map.of("upstream", "http://u", "starts", "0")));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ColdStartOptions.of(Map.of("upstream", "http://u", "load-seconds", "15"))).getMessage()
        .contains("without overlap"), "15 s cannot hold two 10 s windows");
  }
}
