package io.switchboard.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.usage.UsageRecord;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class LiveRequestsTest {
  private static UsageRecord call(String id) {
    return new UsageRecord(1_000, id, "key-1", "m", "p/gpt", 3, 4, new BigDecimal("0.5"), 20, 5L, UsageRecord.SUCCESS);
  }

  @Test
  void after_givesOnlyWhatTheReaderHasNotSeen() {
    LiveRequests live = new LiveRequests(10);
    live.record(call("a"));
    live.record(call("b"));
    long seen = live.after(0).get(1).seq();
    live.record(call("c"));

    List<LiveRequests.Entry> fresh = live.after(seen);

    assertEquals(List.of("c"), fresh.stream().map(LiveRequests.Entry::requestId).toList());
    assertEquals(7, fresh.get(0).promptTokens() + fresh.get(0).completionTokens());
  }

  @Test
  void record_keepsOnlyTheLatestEntries() {
    LiveRequests live = new LiveRequests(3);
    for (String id : List.of("a", "b", "c", "d", "e")) live.record(call(id));

    assertEquals(List.of("c", "d", "e"), live.after(0).stream().map(LiveRequests.Entry::requestId).toList());
  }
}
