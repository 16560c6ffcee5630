package io.switchboard.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.openai.FakeOpenAi;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Mid-stream failover as the official SDKs read it ({@code openai-java}, {@code anthropic-java}, with
 * response validation on): a stream continued on the next deployment accumulates to one answer, the
 * prefix and the rest, and the {@code switchboard} marker is an unknown field the SDK keeps aside
 * rather than fails on.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MidStreamFailoverSdkTest {
  private static final String ANTHROPIC_KEY = "sk-ant-sdk";

  @RegisterExtension static final FakeOpenAi primary = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi secondary = new FakeOpenAi();
  @RegisterExtension static final FakeAnthropic claude = new FakeAnthropic(ANTHROPIC_KEY);
  @RegisterExtension static final FakeAnthropic backup = new FakeAnthropic(ANTHROPIC_KEY);
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private OpenAIClient openAi;
  private AnthropicClient anthropic;

  @BeforeAll
  void start() {
    TestGateway gateway = gateways.start("""
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s" }
        switchboard.providers.secondary { kind = openai, openai.base-url = "%s" }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%s", api-key-env = "K" } }
        switchboard.providers.backup { kind = anthropic, anthropic { base-url = "%s", api-key-env = "K" } }
        switchboard.model-defaults.mid-stream-failover = on
        switchboard.models {
          chat.deployments = [
            { provider = primary, upstream-model = "gpt-4o" },
            { provider = secondary, upstream-model = "gpt-4o-mini" }
          ]
          sonnet.deployments = [
            { provider = claude, upstream-model = "claude-sonnet-4-5" },
            { provider = backup, upstream-model = "claude-sonnet-4-5" }
          ]
        }
        """.formatted(primary.baseUrl(), secondary.baseUrl(), claude.baseUrl(), backup.baseUrl()),
        Map.of("K", ANTHROPIC_KEY));
    openAi = OpenAiSdkTest.client(gateway, "any-key-an-open-gateway-ignores");
    anthropic = AnthropicSdkTest.client(gateway, "any-key-an-open-gateway-ignores");
  }

  @AfterAll
  void stop() {
    openAi.close();
    anthropic.close();
  }

  @Test
  void openAiSdk_readsAContinuedStreamAsOneAnswer_andKeepsTheMarkerAside() {
    primary.answer(primary.resetAfter(3)); // role, "Hello", " there", then the connection breaks
    secondary.answer(FakeOpenAi.streamed("chatcmpl-second", 1800000000L, "!", " Bye."));
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    List<ChatCompletionChunk> chunks;
    try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = openAi.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("chat").addUserMessage("Say hello").build())) {
      chunks = stream.stream().peek(accumulator::accumulate).toList();
    }

    ChatCompletion whole = accumulator.chatCompletion();
    assertEquals("Hello there! Bye.", whole.choices().get(0).message().content().orElseThrow());
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, whole.choices().get(0).finishReason());
    assertEquals("chatcmpl-fake123", whole.id(), "the first part's id");
    List<JsonNode> markers = new ArrayList<>();
    for (ChatCompletionChunk chunk : chunks) {
      assertEquals("chatcmpl-fake123", chunk.id());
      if (chunk._additionalProperties().containsKey("switchboard")) {
        markers.add(chunk._additionalProperties().get("switchboard").convert(JsonNode.class));
      }
    }
    assertEquals(1, markers.size(), chunks.toString());
    JsonNode failover = markers.get(0).path("failover").get(0);
    assertEquals("primary/gpt-4o", failover.path("from").asText());
    assertEquals("secondary/gpt-4o-mini", failover.path("to").asText());
    assertEquals("upstream_reset", failover.path("reason").asText());
    assertEquals(11, failover.path("at_chars").asInt());
  }

  @Test
  void anthropicSdk_readsAContinuedStreamAsOneMessage_andKeepsTheMarkerAside() {
    claude.answer(FakeAnthropic.resetAfter(FakeAnthropic.textEvents("claude-sonnet-4-5").subList(0, 4)));
    backup.answer(FakeAnthropic.events(FakeAnthropic.textStream("claude-sonnet-4-5", "msg_second", " How can I help?")));
    MessageAccumulator accumulator = MessageAccumulator.create();
    List<JsonNode> markers = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(MessageCreateParams
        .builder().model("sonnet").maxTokens(64).addUserMessage("Say hello").build())) {
      stream.stream().forEach(event -> {
        accumulator.accumulate(event);
        event.messageDelta().ifPresent(delta -> {
          if (delta._additionalProperties().containsKey("switchboard")) {
            markers.add(delta._additionalProperties().get("switchboard").convert(JsonNode.class));
          }
        });
      });
    }

    Message message = accumulator.message();
    assertEquals(1, message.content().size(), "one text block: " + message.content());
    StringBuilder text = new StringBuilder();
    for (ContentBlock block : message.content()) block.text().ifPresent(t -> text.append(t.text()));
    assertEquals("Hello! How can I help?", text.toString());
    assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
    assertEquals(1, markers.size());
    JsonNode failover = markers.get(0).path("failover").get(0);
    assertEquals("backup/claude-sonnet-4-5", failover.path("to").asText());
    assertTrue(failover.path("at_chars").asInt() > 0, failover.toString());
  }
}
