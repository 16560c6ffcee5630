package io.switchboard.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How one registry differs from another, entry by entry and, within a changed entry, field by field:
 * what {@code PUT /admin/registry?dry-run=true} answers and what a change reports. Computed on the
 * canonical JSON trees ({@link RegistryJson#tree}), so a field added to the records is compared too.
 *
 * <pre>{@code
 * {"models": {"added": ["mistral"], "removed": [], "changed": {"gpt": [
 *     {"field": "deployments[0].pricing.input_per_million", "from": 2.5, "to": 2}]}},
 *  "routes": {"added": [], "removed": ["auto"], "changed": {}}}
 * }</pre>
 */
public final class RegistryDiff {
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private RegistryDiff() {}

  /** The difference from {@code before} to {@code after}, both canonical registry trees. */
  public static ObjectNode between(JsonNode before, JsonNode after) {
    ObjectNode diff = NODES.objectNode();
    diff.set("models", section(before.path("models"), after.path("models")));
    diff.set("routes", section(before.path("routes"), after.path("routes")));
    return diff;
  }

  /** Whether {@code diff} (from {@link #between}) says nothing changed. */
  public static boolean isEmpty(JsonNode diff) {
    for (String section : List.of("models", "routes")) {
      JsonNode s = diff.path(section);
      if (!s.path("added").isEmpty() || !s.path("removed").isEmpty() || !s.path("changed").isEmpty()) return false;
    }
    return true;
  }

  private static ObjectNode section(JsonNode before, JsonNode after) {
    ObjectNode out = NODES.objectNode();
    var added = out.putArray("added");
    var removed = out.putArray("removed");
    ObjectNode changed = out.putObject("changed");
    TreeSet<String> names = new TreeSet<>();
    before.fieldNames().forEachRemaining(names::add);
    after.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      JsonNode was = before.get(name);
      JsonNode is = after.get(name);
      if (was == null) added.add(name);
      else if (is == null) removed.add(name);
      else if (!was.equals(is)) {
        var fields = changed.putArray(name);
        compare("", was, is, fields);
      }
    }
    return out;
  }

  private static void compare(String path, JsonNode was, JsonNode is, ArrayNode out) {
    if (was != null && is != null && was.equals(is)) return;
    if (was != null && is != null && was.isObject() && is.isObject()) {
      TreeMap<String, Boolean> fields = new TreeMap<>();
      was.fieldNames().forEachRemaining(f -> fields.put(f, true));
      is.fieldNames().forEachRemaining(f -> fields.put(f, true));
      for (String f : fields.keySet()) compare(path.isEmpty() ? f : path + "." + f, was.get(f), is.get(f), out);
      return;
    }
    if (was != null && is != null && was.isArray() && is.isArray() && elementsAreObjects(was, is)) {
      for (int i = 0; i < Math.max(was.size(), is.size()); i++) compare(path + "[" + i + "]", was.get(i), is.get(i), out);
      return;
    }
    ObjectNode change = out.addObject();
    change.put("field", path);
    change.set("from", was == null ? NODES.nullNode() : was);
    change.set("to", is == null ? NODES.nullNode() : is);
  }

  /** Arrays of objects (deployments, fallbacks) compare element by element; arrays of values whole. */
  private static boolean elementsAreObjects(JsonNode a, JsonNode b) {
    List<JsonNode> all = new ArrayList<>();
    a.forEach(all::add);
    b.forEach(all::add);
    return !all.isEmpty() && all.stream().allMatch(JsonNode::isObject);
  }
}
