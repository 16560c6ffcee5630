package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.api.anthropic.ModelDescription;
import io.switchboard.api.anthropic.ModelPage;
import io.switchboard.api.openai.ModelInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Anthropic's paging of {@code GET /v1/models}: limit, after_id, before_id, and the ids a client pages on. */
@Tag("unit")
class AnthropicModelPagesTest {
  private static final List<ModelInfo> MODELS = List.of("a", "b", "c", "d", "e").stream()
      .map(id -> ModelInfo.of(id, 1_740_000_000L, "p")).toList();

  private static List<String> ids(ModelPage page) {
    return page.data().stream().map(ModelDescription::id).toList();
  }

  @Test
  void firstPage_isTheFirstLimitModels_withTheIdsToPageOn() {
    ModelPage page = AnthropicModelPages.page(MODELS, Map.of("limit", List.of("2")));

    assertEquals(List.of("a", "b"), ids(page));
    assertTrue(page.hasMore());
    assertEquals("a", page.firstId());
    assertEquals("b", page.lastId());
  }

  @Test
  void afterId_continuesAfterIt_untilNothingIsLeft() {
    assertEquals(List.of("c", "d"), ids(AnthropicModelPages.page(MODELS,
        Map.of("limit", List.of("2"), "after_id", List.of("b")))));
    ModelPage last = AnthropicModelPages.page(MODELS, Map.of("limit", List.of("2"), "after_id", List.of("d")));
    assertEquals(List.of("e"), ids(last));
    assertFalse(last.hasMore());
    ModelPage empty = AnthropicModelPages.page(MODELS, Map.of("after_id", List.of("e")));
    assertTrue(empty.data().isEmpty());
    assertNull(empty.firstId());
  }

  @Test
  void beforeId_takesTheModelsJustBeforeIt() {
    ModelPage page = AnthropicModelPages.page(MODELS, Map.of("limit", List.of("2"), "before_id", List.of("d")));

    assertEquals(List.of("b", "c"), ids(page));
    assertTrue(page.hasMore(), "a is before them");
  }

  @Test
  void defaultLimitIs20_andEachModelIsAnActiveModelWithAnRfc3339Date() {
    ModelPage page = AnthropicModelPages.page(MODELS, Map.of());

    assertEquals(5, page.data().size());
    ModelDescription a = page.data().get(0);
    assertEquals("model", a.type());
    assertEquals("a", a.displayName());
    assertEquals("active", a.lifecycle());
    assertEquals("2025-02-19T21:20:00Z", a.createdAt());
  }

  @Test
  void unreadableParameters_areRefused() {
    for (Map<String, List<String>> params : List.of(Map.of("limit", List.of("0")), Map.of("limit", List.of("1001")),
        Map.of("limit", List.of("ten")), Map.of("after_id", List.of("zz")),
        Map.of("after_id", List.of("a"), "before_id", List.of("c")))) {
      assertThrows(AnthropicModelPages.InvalidPage.class, () -> AnthropicModelPages.page(MODELS, params),
          params.toString());
    }
  }
}
