package io.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class MainTest {
  @Test
  void startupLine_namesTheUrlAndEveryModelWithItsProvider() {
    SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.parseString("""
        switchboard.providers.local { kind = openai, openai.base-url = "http://127.0.0.1:11434/v1" }
        switchboard.models.llama { provider = local }
        """).withFallback(ConfigFactory.load()).resolve(), name -> null);

    assertEquals("Switchboard listening on http://127.0.0.1:8080 serving models: llama (provider local, openai), "
            + "switchboard-sim (provider simulated, simulated)",
        Main.startupLine(new InetSocketAddress("127.0.0.1", 8080), settings));
  }

  @Test
  void failure_namesTheAddress_whenThePortCannotBeBound() {
    SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.load(), name -> null);
    assertEquals("could not listen on 127.0.0.1:8080: Address already in use",
        Main.failure(new CompletionException(new BindException("Address already in use")), settings));
  }
}
