package io.switchboard.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ModelListTest {

  @Test
  void of_writesTheOpenAiModelListing() throws Exception {
    ModelList list = ModelList.of(List.of(ModelInfo.of("gpt-4o", 1715367049L, "switchboard")));

    assertEquals(RoundTrip.MAPPER.readTree("""
        {"object": "list", "data": [
         {"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "switchboard"}
        ]}
        """), RoundTrip.tree(list));
  }

  @Test
  void listing_parsesBack() throws Exception {
    ModelList list = ModelList.of(List.of(ModelInfo.of("a", 1L, "o"), ModelInfo.of("b", 2L, "o")));

    assertEquals(list,
        RoundTrip.MAPPER.readValue(RoundTrip.MAPPER.writeValueAsString(list),
            ModelList.class));
  }
}
