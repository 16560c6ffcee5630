package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** OpenAI's embedding list, read from upstreams and written to clients, as floats or base64. */
@Tag("unit")
class EmbeddingListTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void base64_isLittleEndianFloat32_asOpenAiEncodesIt() throws Exception {
    EmbeddingList list = new EmbeddingList(List.of(new float[] {1.0f, -2.0f}), "m", null);

    JsonNode written = JSON.readTree(list.toJson(JSON, true, "m", 3).toArray());

    // 1.0f is 0x3f800000 and -2.0f 0xc0000000; little-endian: 00 00 80 3f 00 00 00 c0.
    assertEquals("AACAPwAAAMA=", written.path("data").get(0).path("embedding").asText());
    assertArrayEquals(new float[] {1.0f, -2.0f}, EmbeddingList.fromBase64("AACAPwAAAMA="));
    assertEquals(3, written.path("usage").path("prompt_tokens").asInt());
    assertEquals(3, written.path("usage").path("total_tokens").asInt());
  }

  @Test
  void read_putsVectorsInIndexOrder_andKeepsTheUpstreamsUsage() {
    EmbeddingList list = EmbeddingList.read(JSON, ByteString.fromString("{\"object\":\"list\",\"data\":["
        + "{\"object\":\"embedding\",\"index\":1,\"embedding\":[2.0]},"
        + "{\"object\":\"embedding\",\"index\":0,\"embedding\":[1.0]}],"
        + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}"));

    assertArrayEquals(new float[] {1.0f}, list.vectors().get(0));
    assertArrayEquals(new float[] {2.0f}, list.vectors().get(1));
    assertEquals(8, list.promptTokens());
    assertEquals("text-embedding-3-small", list.model());
  }

  @Test
  void read_refusesWhatIsNotAnEmbeddingList() {
    for (String body : List.of("", "[]", "{\"data\":{}}", "{\"data\":[{\"index\":0,\"embedding\":\"x\"}]}",
        "{\"data\":[{\"index\":1,\"embedding\":[1]}]}", "{\"data\":[{\"index\":0,\"embedding\":[\"a\"]}]}",
        "{\"data\":[{\"index\":0,\"embedding\":[1]},{\"index\":0,\"embedding\":[1]}]}")) {
      assertThrows(IllegalArgumentException.class, () -> EmbeddingList.read(JSON, ByteString.fromString(body)), body);
    }
  }

  @Test
  void anUpstreamsListWithoutUsage_isWrittenWithoutUsage() throws Exception {
    JsonNode written = JSON.readTree(new EmbeddingList(List.of(new float[] {0.5f}), "m", null).toJson(JSON).toArray());

    assertFalse(written.has("usage"));
    assertEquals(0.5, written.path("data").get(0).path("embedding").get(0).asDouble());
  }
}
