package io.switchboard.provider.ollama;

import static io.switchboard.provider.Golden.assertEventsEqual;
import static io.switchboard.provider.Golden.assertJsonEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.api.ollama.ChatResponse;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.provider.Golden;
import io.switchboard.provider.Golden.Event;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** OpenAI to Ollama and back, checked against the golden fixtures. */
@Tag("unit")
class OllamaTranslationTest {
  static final String ID = "chatcmpl-ollama-1";

  @ParameterizedTest
  @ValueSource(strings = {"chat", "tools"})
  void openAiRequest_becomesTheDocumentedOllamaChatRequest(String fixture) {
    ChatCompletionRequest request = Golden.read("ollama/" + fixture + ".openai.json", ChatCompletionRequest.class);

    Object translated = OpenAiToOllamaRequest.translate(request, "llama3.2", fixture.equals("chat") ? 8192 : null);

    assertJsonEquals(Golden.json("ollama/" + fixture + ".ollama.json"), Golden.tree(translated), fixture);
  }

  @ParameterizedTest
  @ValueSource(strings = {"response", "response-tools"})
  void ollamaAnswer_becomesTheDocumentedChatCompletion(String fixture) {
    ChatResponse answer = Golden.read("ollama/" + fixture + ".ollama.json", ChatResponse.class);

    Object completion = OllamaToOpenAiResponse.translate(answer, ID, 0);

    assertJsonEquals(Golden.json("ollama/" + fixture + ".openai.json"), Golden.tree(completion), fixture);
  }

  @ParameterizedTest
  @ValueSource(strings = {"stream", "stream-tools"})
  void ollamaNdjsonStream_becomesOpenAiChunksEndingInDone(String fixture) {
    OllamaToOpenAiStream stream = new OllamaToOpenAiStream(ID, fixture.equals("stream"), 0);
    List<Event> out = new ArrayList<>();
    for (String line : Golden.lines("ollama/" + fixture + ".ollama.ndjson")) {
      assertFalse(stream.finished());
      for (ChatCompletionChunk chunk : stream.next(Golden.MAPPER.convertValue(Golden.tree(line), ChatResponse.class))) {
        out.add(new Event(null, Golden.tree(chunk).toString()));
      }
    }
    assertTrue(stream.finished());
    out.add(new Event(null, "[DONE]"));

    assertEventsEqual(Golden.events("ollama/" + fixture + ".openai.sse"), out, fixture);
  }
}
