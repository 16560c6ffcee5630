package io.switchboard.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.responses.ResponseStore;
import io.switchboard.responses.ResponsesRequestException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * One page of {@code GET /v1/responses/{id}/input_items}, as OpenAI lists them: {@code order}
 * ({@code desc}, the default, newest item first; or {@code asc}), {@code limit} (1 to 100, default 20)
 * and {@code after} (the id of the item the page starts after), answered as
 * {@code {"object":"list","data":[...],"first_id","last_id","has_more"}}.
 */
record InputItemsPage(boolean ascending, int limit, String after) {

  static InputItemsPage of(Map<String, String> params) {
    String order = params.getOrDefault("order", "desc");
    if (!order.equals("asc") && !order.equals("desc")) {
      throw ApiError.invalidRequest("order must be asc or desc.", "order", "invalid_parameter");
    }
    int limit;
    try {
      limit = Integer.parseInt(params.getOrDefault("limit", "20"));
    } catch (NumberFormatException e) {
      limit = 0;
    }
    if (limit < 1 || limit > 100) {
      throw ApiError.invalidRequest("limit must be an integer from 1 to 100.", "limit", "invalid_parameter");
    }
    return new InputItemsPage(order.equals("asc"), limit, params.get("after"));
  }

  CompletionStage<HttpResponse> list(String id, String owner, ResponseStore store, ObjectMapper mapper) {
    return store.get(id, owner).thenApply(found -> {
      if (found.isEmpty()) throw ResponsesRequestException.notFound(id, null);
      List<JsonNode> items = new ArrayList<>();
      read(found.get().inputItems(), mapper).forEach(items::add);
      if (!ascending) Collections.reverse(items);
      int start = 0;
      if (after != null) {
        int at = -1;
        for (int i = 0; i < items.size() && at < 0; i++) if (after.equals(items.get(i).path("id").asText())) at = i;
        if (at < 0) throw ApiError.invalidRequest("after names no item of this response.", "after", "invalid_parameter");
        start = at + 1;
      }
      List<JsonNode> page = items.subList(start, Math.min(items.size(), start + limit));
      ObjectNode body = mapper.createObjectNode();
      body.put("object", "list");
      ArrayNode data = body.putArray("data");
      page.forEach(data::add);
      body.put("first_id", page.isEmpty() ? null : page.get(0).path("id").asText());
      body.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).path("id").asText());
      body.put("has_more", start + page.size() < items.size());
      return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, body.toString());
    });
  }

  private static JsonNode read(String json, ObjectMapper mapper) {
    try {
      return mapper.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("stored input items are not JSON", e);
    }
  }
}
