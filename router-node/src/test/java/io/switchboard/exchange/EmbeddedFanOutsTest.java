package io.switchboard.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's fan-out curls: the node started without a configuration file serves one fan-out per strategy. */
@Tag("integration")
class EmbeddedFanOutsTest {
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private static String ask(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  @Test
  void hedgeVoteJudgeAndFuse_answerOverTheSimulatedModels() {
    try (TestGateway gateway = gateways.start("include classpath(\"embedded-catalog.conf\")")) {
      HttpResponse<String> hedge = gateway.post("/v1/chat/completions", ask("hedge"));
      assertEquals(200, hedge.statusCode(), hedge.body());
      assertTrue(hedge.headers().firstValue("x-switchboard-fan-out").orElse("").startsWith("first; candidate "),
          hedge.headers().toString());

      HttpResponse<String> vote = gateway.post("/v1/chat/completions", ask("vote"));
      assertEquals(200, vote.statusCode(), vote.body());
      assertTrue(vote.headers().firstValue("x-switchboard-consensus").orElse("").matches("[23]/3"),
          "the simulated models, seeded alike, agree: " + vote.headers());

      HttpResponse<String> judge = gateway.post("/v1/chat/completions", ask("judge"));
      assertEquals(200, judge.statusCode(), judge.body());
      assertTrue(judge.headers().firstValue("x-switchboard-judge-reason").orElse("").startsWith("simulated judge"),
          "the simulated judge names a choice: " + judge.headers());

      HttpResponse<String> fuse = gateway.post("/v1/chat/completions", ask("fuse"));
      assertEquals(200, fuse.statusCode(), fuse.body());
      assertEquals("sim-slow/sim-long-1", fuse.headers().firstValue("x-switchboard-deployment").orElseThrow());
    }
  }
}
