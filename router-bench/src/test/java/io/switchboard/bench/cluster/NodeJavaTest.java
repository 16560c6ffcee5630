package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** NODE_JAVA and NODE_JAVA_OPTS put a node the bench starts on another JDK, with more flags. */
@Tag("unit")
class NodeJavaTest {
  @Test
  void namedBinaryAndFlags_areUsed() {
    Map<String, String> env = Map.of("NODE_JAVA", " /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ",
        "NODE_JAVA_OPTS", "  -XX:+UseCompactObjectHeaders   -Xmx2g ");
    assertEquals("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java", NodeJava.binary(env));
    assertEquals(List.of("-XX:+UseCompactObjectHeaders", "-Xmx2g"), NodeJava.options(env));
  }

  @Test
  void unsetOrBlank_meansThisJvmAndNoFlags() {
    String own = ProcessHandle.current().info().command().orElse("java");
    assertEquals(own, NodeJava.binary(Map.of()));
    assertEquals(own, NodeJava.binary(Map.of("NODE_JAVA", "  ")));
    assertTrue(NodeJava.options(Map.of("NODE_JAVA_OPTS", "")).isEmpty());
    assertTrue(NodeJava.options(Map.of()).isEmpty());
  }
}
