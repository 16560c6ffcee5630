package io.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SettingsException;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.warmup.WarmUp;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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

  @Test
  void arguments_readTheConfigFileAndExitWhenWarm_inAnyOrder() {
    Main.Arguments both = Main.arguments(new String[] {"--exit-when-warm", "--config", "a.conf"}, null);
    assertEquals(Optional.of(Path.of("a.conf")), both.configFile());
    assertTrue(both.exitWhenWarm());

    Main.Arguments none = Main.arguments(new String[0], null);
    assertEquals(Optional.empty(), none.configFile());
    assertFalse(none.exitWhenWarm());
  }

  @Test
  void arguments_takeTheConfigFileFromTheEnvironment_unlessTheCommandLineNamesOne() {
    assertEquals(Optional.of(Path.of("env.conf")), Main.arguments(new String[0], "env.conf").configFile());
    assertEquals(Optional.of(Path.of("cli.conf")),
        Main.arguments(new String[] {"--config=cli.conf"}, "env.conf").configFile());
    assertEquals(Optional.empty(), Main.arguments(new String[0], " ").configFile());
  }

  @Test
  void arguments_refuseAnUnknownArgument_withTheUsage() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> Main.arguments(new String[] {"--exit-when-ready"}, null));
    assertEquals("unknown argument '--exit-when-ready'; " + Main.USAGE, e.getMessage());
    assertThrows(SettingsException.class, () -> Main.arguments(new String[] {"--config"}, null));
  }

  @Test
  void warmLine_saysHowTheWarmUpWent_andWhyItStoppedEarly() {
    assertEquals("Switchboard warmed up: 2000 of 2000 warm-up requests answered in 12.3 s;"
            + " stopping, as --exit-when-warm asks",
        Main.warmLine(new WarmUp.Outcome(2000, 2000, 2000, Duration.ofMillis(12_345), 310, null)));
    assertEquals("switchboard: the warm-up stopped early (gave up after 20 s; 800 of 820 warm-up requests"
            + " answered in 20.0 s); stopping with status 1, as --exit-when-warm asks",
        Main.warmLine(new WarmUp.Outcome(820, 800, 800, Duration.ofSeconds(20), 0, "gave up after 20 s")));
  }
}
