package io.switchboard.bench.coldstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The variants a run compares: the named ones, written-out ones, and selections that are refused. */
@Tag("unit")
class VariantTest {
  private static final Map<String, Variant> KNOWN = Variant.catalogue("/jdk17/bin/java", "/jdk25/bin/java",
      List.of("-Xmx1g"));

  @Test
  void theDefaultSelection_isTheBarePekkoProxy_jdk17OffAndOn_andJdk25FromACacheTrainedUnderLoadAndAsTheImage() {
    List<Variant> chosen = Variant.select(String.join(",", Variant.DEFAULT_SELECTION), KNOWN);
    assertEquals(List.of("bare-pekko", "jdk17-off", "jdk17", "jdk25-aot", "jdk25-image"),
        chosen.stream().map(Variant::label).toList());
    Variant bare = chosen.get(0);
    assertEquals(Variant.Program.BARE_PEKKO, bare.program());
    assertEquals("/jdk17/bin/java", bare.java());
    assertEquals(List.of("-Xmx1g"), bare.flags());
    assertFalse(bare.aotCache());
    Variant off = chosen.get(1);
    assertEquals(Variant.Program.NODE, off.program());
    assertEquals("/jdk17/bin/java", off.java());
    assertEquals(List.of("-Xmx1g"), off.flags());
    assertEquals(Variant.WARM_UP_OFF, off.config());
    assertEquals(Variant.WARM_UP_ON, chosen.get(2).config());
    assertFalse(chosen.get(2).aotCache());
    Variant aot = chosen.get(3);
    assertEquals("/jdk25/bin/java", aot.java());
    assertEquals(List.of("-Xmx1g", "-XX:+UseCompactObjectHeaders"), aot.flags(), "common flags first");
    assertTrue(aot.aotCache());
    assertFalse(KNOWN.get("jdk25").aotCache());
  }

  @Test
  void theBarePekkoProxy_takesNeitherACacheNorNodeConfiguration() {
    assertThrows(IllegalArgumentException.class, () -> new Variant("b", "java", List.of(), "", Variant.Training.LOAD,
        Variant.Program.BARE_PEKKO));
    assertThrows(IllegalArgumentException.class, () -> new Variant("b", "java", List.of(), Variant.WARM_UP_ON,
        Variant.Training.NONE, Variant.Program.BARE_PEKKO));
  }

  @Test
  void withoutCompactHeaders_isTheSameJdk25WithoutTheFlag() {
    Variant plain = KNOWN.get("jdk25-plain");
    assertEquals(List.of("-Xmx1g"), plain.flags());
    assertEquals("/jdk25/bin/java", plain.java());
  }

  @Test
  void theImagesVariant_runsJdk25WithTheEntrypointsFlags_fromACacheTrainedAsTheImageBuildDoes() {
    Variant image = KNOWN.get("jdk25-image");
    assertEquals("/jdk25/bin/java", image.java());
    assertEquals(List.of("-Xmx1g", "-XX:+UseG1GC", "-XX:+UseCompactObjectHeaders"), image.flags());
    assertEquals(Variant.WARM_UP_ON, image.config());
    assertEquals(Variant.Training.IMAGE, image.training());
    assertTrue(image.aotCache());
    assertEquals(Variant.Training.LOAD, KNOWN.get("jdk25-aot").training());
    assertEquals(Variant.Training.NONE, KNOWN.get("jdk25").training());
  }

  @Test
  void aWrittenOutVariant_isParsedBesideNamedOnes() {
    List<Variant> chosen = Variant.select(
        "jdk17, jdk25;g1|/opt/java| -Xmx2g  -XX:+UseG1GC |switchboard.warm-up.enabled = true, a.b = 1|aot", KNOWN);
    assertEquals(3, chosen.size());
    Variant custom = chosen.get(2);
    assertEquals("g1", custom.label());
    assertEquals("/opt/java", custom.java());
    assertEquals(List.of("-Xmx2g", "-XX:+UseG1GC"), custom.flags());
    assertEquals("switchboard.warm-up.enabled = true, a.b = 1", custom.config());
    assertTrue(custom.aotCache());
    assertEquals(Variant.Training.LOAD, custom.training());
    assertEquals(Variant.Training.IMAGE, Variant.parse("x|java||switchboard.warm-up.enabled = true|image").training());
    assertFalse(Variant.parse("x|java||").aotCache());
    assertEquals(List.of(), Variant.parse("x|java||").flags());
  }

  @Test
  void unknownNames_duplicates_andMalformedSpecs_areRefused() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> Variant.select("jdk21", KNOWN));
    assertTrue(unknown.getMessage().contains("jdk25-aot"), "names the known variants: " + unknown.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Variant.select("jdk17,jdk17", KNOWN));
    assertThrows(IllegalArgumentException.class, () -> Variant.select(" , ", KNOWN));
    assertThrows(IllegalArgumentException.class, () -> Variant.parse("x|java|flags"));
    assertThrows(IllegalArgumentException.class, () -> Variant.parse("x|java|flags|config|jit"));
    assertThrows(IllegalArgumentException.class, () -> Variant.parse("a b|java||"));
    assertThrows(IllegalArgumentException.class, () -> Variant.parse("x| ||"));
  }
}
