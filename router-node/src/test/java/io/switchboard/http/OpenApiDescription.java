package io.switchboard.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The operations an OpenAPI document describes, and which of them a concrete request is: a path
 * parameter matches one non-empty segment, or the rest of the path when it is marked
 * {@code x-switchboard-matches-slashes}.
 */
final class OpenApiDescription {
  static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete", "head", "options");

  /** One documented operation; {@code parameters} are its path's and its own. */
  record Operation(String method, String template, List<JsonNode> parameters) {
    @Override
    public String toString() {
      return method + " " + template;
    }

    /** The path with each parameter replaced by {@code value.apply(parameter)}. */
    String concretePath(Function<JsonNode, String> value) {
      String path = template;
      for (JsonNode p : parameters) {
        if (p.path("in").asText().equals("path")) path = path.replace("{" + p.path("name").asText() + "}", value.apply(p));
      }
      return path;
    }

    boolean matches(String method, String path) {
      if (!this.method.equals(method)) return false;
      String[] want = template.substring(1).split("/", -1);
      String[] got = path.substring(1).split("/", -1);
      for (int i = 0; i < want.length; i++) {
        if (i >= got.length) return false;
        boolean param = want[i].startsWith("{") && want[i].endsWith("}");
        if (!param) {
          if (!want[i].equals(got[i])) return false;
          continue;
        }
        if (got[i].isEmpty()) return false;
        if (i == want.length - 1 && matchesSlashes(want[i].substring(1, want[i].length() - 1))) return true;
      }
      return want.length == got.length;
    }

    private boolean matchesSlashes(String name) {
      return parameters.stream().anyMatch(p -> p.path("name").asText().equals(name)
          && p.path("x-switchboard-matches-slashes").asBoolean(false));
    }
  }

  private final JsonNode document;
  private final List<Operation> operations = new ArrayList<>();

  OpenApiDescription(JsonNode document) {
    this.document = document;
    for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      for (Iterator<Map.Entry<String, JsonNode>> items = path.getValue().fields(); items.hasNext(); ) {
        Map.Entry<String, JsonNode> item = items.next();
        if (!METHODS.contains(item.getKey())) continue;
        List<JsonNode> parameters = new ArrayList<>();
        path.getValue().path("parameters").forEach(p -> parameters.add(resolve(p)));
        item.getValue().path("parameters").forEach(p -> parameters.add(resolve(p)));
        operations.add(new Operation(item.getKey().toUpperCase(java.util.Locale.ROOT), path.getKey(), parameters));
      }
    }
  }

  List<Operation> operations() {
    return operations;
  }

  Optional<Operation> find(String method, String path) {
    return operations.stream().filter(o -> o.matches(method, path)).findFirst();
  }

  /** The node a {@code $ref} points at within this document, or {@code node} itself. */
  JsonNode resolve(JsonNode node) {
    JsonNode ref = node.get("$ref");
    if (ref == null) return node;
    String pointer = ref.asText();
    if (!pointer.startsWith("#/")) throw new AssertionError("only local references are used: " + pointer);
    JsonNode target = document.at(pointer.substring(1));
    if (target.isMissingNode()) throw new AssertionError("unresolved reference " + pointer);
    return resolve(target);
  }

  /** Every security requirement (the document's or an operation's) naming a scheme it does not define. */
  List<String> undefinedSecuritySchemes() {
    JsonNode schemes = document.path("components").path("securitySchemes");
    List<String> undefined = new ArrayList<>();
    List<JsonNode> requirements = new ArrayList<>();
    document.path("security").forEach(requirements::add);
    document.path("paths").forEach(item -> item.forEach(operation -> operation.path("security").forEach(requirements::add)));
    for (JsonNode requirement : requirements) {
      requirement.fieldNames().forEachRemaining(name -> {
        if (!schemes.has(name)) undefined.add(name);
      });
    }
    return undefined;
  }

  /** Every {@code $ref} in the document that points at nothing. */
  List<String> danglingReferences() {
    List<String> dangling = new ArrayList<>();
    collect(document, dangling);
    return dangling;
  }

  private void collect(JsonNode node, List<String> dangling) {
    if (node.has("$ref") && document.at(node.get("$ref").asText().substring(1)).isMissingNode()) {
      dangling.add(node.get("$ref").asText());
    }
    node.forEach(child -> collect(child, dangling));
  }
}
