package io.switchboard.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What a request passed through to a native Responses upstream is sent, stored and answered with. */
@Tag("unit")
class NativeRequestTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ResponseIds ids = new ResponseIds(new SplittableRandom(7));

  private NativeRequest decode(String body) throws Exception {
    return NativeRequest.decode(JSON.readTree(body), ids);
  }

  @Test
  void withoutHistory_theBodyIsTheClientsWithStoreFalse() throws Exception {
    NativeRequest request = decode("{\"model\":\"gpt\",\"input\":\"Hi\",\"tools\":[{\"type\":\"web_search\"}],"
        + "\"include\":[\"reasoning.encrypted_content\"]}");

    assertEquals(JSON.readTree("{\"model\":\"gpt\",\"input\":\"Hi\",\"tools\":[{\"type\":\"web_search\"}],"
        + "\"include\":[\"reasoning.encrypted_content\"],\"store\":false}"), request.upstreamBody(List.of()));
    assertTrue(request.store(), "the client's own store stays true");
  }

  @Test
  void history_goesBeforeThisTurn_withoutIdsOrReasoning_andPreviousResponseIdIsRemoved() throws Exception {
    NativeRequest request = decode("{\"model\":\"gpt\",\"input\":[{\"type\":\"function_call_output\","
        + "\"call_id\":\"call_1\",\"output\":\"18C\"}],\"previous_response_id\":\"resp_1\",\"store\":true}");
    List<JsonNode> history = List.of(
        JSON.readTree("{\"id\":\"msg_a\",\"type\":\"message\",\"role\":\"user\",\"content\":\"Weather?\"}"),
        JSON.readTree("{\"id\":\"rs_1\",\"type\":\"reasoning\",\"summary\":[]}"),
        JSON.readTree("{\"id\":\"fc_1\",\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"w\","
            + "\"arguments\":\"{}\"}"));

    ObjectNode sent = request.upstreamBody(history);

    assertFalse(sent.has("previous_response_id"));
    assertFalse(sent.path("store").asBoolean(true));
    assertEquals(JSON.readTree("[{\"type\":\"message\",\"role\":\"user\",\"content\":\"Weather?\"},"
        + "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"w\",\"arguments\":\"{}\"},"
        + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"18C\"}]"), sent.path("input"));
    assertTrue(request.input().get(0).path("id").asText().startsWith("fco_"), "stored with an id to list it by");
  }

  @Test
  void theClientSeesTheGatewaysIdAndItsOwnPreviousResponseIdAndStore() throws Exception {
    NativeRequest request = decode("{\"model\":\"gpt\",\"input\":\"Hi\",\"previous_response_id\":\"resp_1\"}");
    ObjectNode upstream = (ObjectNode) JSON.readTree("{\"id\":\"resp_upstream\",\"previous_response_id\":null,"
        + "\"store\":false,\"output\":[]}");

    ObjectNode seen = request.restamp(upstream, "resp_ours");

    assertEquals("resp_ours", seen.path("id").asText());
    assertEquals("resp_1", seen.path("previous_response_id").asText());
    assertTrue(seen.path("store").asBoolean());
  }

  @Test
  void backgroundAndConversation_areRefusedNamingThem() {
    ResponsesRequestException background = assertThrows(ResponsesRequestException.class,
        () -> decode("{\"model\":\"gpt\",\"input\":\"Hi\",\"background\":true}"));
    assertEquals("background", background.param());
    ResponsesRequestException conversation = assertThrows(ResponsesRequestException.class,
        () -> decode("{\"model\":\"gpt\",\"input\":\"Hi\",\"conversation\":\"conv_1\"}"));
    assertEquals("conversation", conversation.param());
    assertEquals("input", assertThrows(ResponsesRequestException.class, () -> decode("{\"model\":\"gpt\"}")).param());
  }
}
