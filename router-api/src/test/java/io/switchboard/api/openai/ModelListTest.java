package io.switchboard.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
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

  @Test
  void catalogEntry_keepsOpenAisFields_andAddsTheCatalogInSnakeCase() throws Exception {
    ModelDeployment primary = new ModelDeployment("anthropic", "claude-sonnet-4-5", 200_000, 64_000,
        ModelPricing.usd(new BigDecimal("3"), new BigDecimal("15")), List.of("tools", "vision"), false);
    ModelDeployment fallback = new ModelDeployment("openai", "gpt-4o", null, 16_384,
        ModelPricing.usd(new BigDecimal("2.50"), new BigDecimal("10")), List.of("tools"), true);

    ModelInfo info = ModelInfo.catalog("smart", 1715367049L, true, List.of(primary, fallback));

    assertEquals(RoundTrip.MAPPER.readTree("""
        {"id": "smart", "object": "model", "created": 1715367049, "owned_by": "anthropic",
         "provider": "anthropic", "upstream_model": "claude-sonnet-4-5", "context_window": 200000,
         "max_output_tokens": 64000,
         "pricing": {"input_per_million": 3, "output_per_million": 15, "currency": "USD"},
         "capabilities": ["tools", "vision"], "available": true,
         "deployments": [
          {"provider": "anthropic", "upstream_model": "claude-sonnet-4-5", "context_window": 200000,
           "max_output_tokens": 64000,
           "pricing": {"input_per_million": 3, "output_per_million": 15, "currency": "USD"},
           "capabilities": ["tools", "vision"], "available": false},
          {"provider": "openai", "upstream_model": "gpt-4o", "max_output_tokens": 16384,
           "pricing": {"input_per_million": 2.50, "output_per_million": 10, "currency": "USD"},
           "capabilities": ["tools"], "available": true}]}
        """), RoundTrip.tree(info));
    assertEquals(info, RoundTrip.MAPPER.readValue(RoundTrip.MAPPER.writeValueAsString(info), ModelInfo.class));
  }
}
