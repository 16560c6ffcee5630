package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code switchboard.usage}: committed by default, batched on request, and the values it refuses. */
@Tag("unit")
class UsageSettingsTest {

  private static UsageSettings usage(String hocon) {
    return SwitchboardSettings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve(),
        name -> null).usage();
  }

  @Test
  void byDefault_answersWaitForTheirRecord_atMostFiveSeconds() {
    UsageSettings usage = usage("");
    assertEquals(UsageSettings.Durability.COMMITTED, usage.durability());
    assertTrue(usage.committed());
    assertEquals(Duration.ofSeconds(5), usage.commitTimeout());
  }

  @Test
  void batched_isAChoice() {
    UsageSettings usage = usage("switchboard.usage { durability = batched, commit-timeout = 2s }");
    assertEquals(UsageSettings.Durability.BATCHED, usage.durability());
    assertEquals(Duration.ofSeconds(2), usage.commitTimeout());
  }

  @Test
  void theSpool_isUsedWhenSpooled_onAnyStoreOnDisk_andWhenCommitted_onH2Only() {
    UsageSettings spooled = usage("switchboard.usage.durability = spooled");
    assertEquals(UsageSettings.Durability.SPOOLED, spooled.durability());
    assertTrue(spooled.answersWait());
    assertTrue(spooled.spools(PersistenceSettings.Store.H2));
    assertTrue(spooled.spools(PersistenceSettings.Store.POSTGRES));
    assertFalse(spooled.spools(PersistenceSettings.Store.H2_MEMORY), "nothing outlives a database in memory");

    UsageSettings committed = usage("");
    assertTrue(committed.spools(PersistenceSettings.Store.H2), "the spool shares the H2 file's disk");
    assertFalse(committed.spools(PersistenceSettings.Store.POSTGRES), "a lost node's disk must not lose a record");

    UsageSettings batched = usage("switchboard.usage.durability = batched");
    assertFalse(batched.answersWait());
    assertFalse(batched.spools(PersistenceSettings.Store.H2));
  }

  @Test
  void unknownDurability_orNoTimeout_stopTheStart_namingTheKey() {
    SettingsException mode = assertThrows(SettingsException.class,
        () -> usage("switchboard.usage.durability = sometimes"));
    assertTrue(mode.getMessage().contains("switchboard.usage.durability"), mode.getMessage());
    SettingsException timeout = assertThrows(SettingsException.class,
        () -> usage("switchboard.usage.commit-timeout = 0s"));
    assertTrue(timeout.getMessage().contains("switchboard.usage.commit-timeout"), timeout.getMessage());
  }
}
