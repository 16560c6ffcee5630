package io.switchboard.registry;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import com.fasterxml.jackson.databind.type.CollectionType;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.switchboard.config.AutoRouteSettings;
import io.switchboard.config.ModelSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The registry's JSON form, as {@code GET /admin/registry} exports it and {@code PUT} imports it:
 * {@code {"models": {name: model}, "routes": {name: route}}}, written straight from the configuration
 * records ({@link ModelSettings}, {@link AutoRouteSettings} and what they hold) by Jackson, so a field
 * added to a record appears here without a line of this class changing.
 *
 * <p>Field names are snake_case; every enum is written as its name in lower case with {@code -} for
 * {@code _} (as the configuration file spells {@code least-busy}, {@code tools}, {@code code}). The
 * output is canonical: models and routes by name, map entries by key, set elements in their natural
 * order, decimals exactly as given. An export re-imported and exported again is therefore the same
 * bytes. A model's or route's {@code name} is its key and is not repeated inside it.
 *
 * <p>On import, fields may be left out for their defaults (those of {@code switchboard.model-defaults}
 * in reference.conf, and {@code upstream_model} = the model's name); an unknown field, an unknown enum
 * value or a value out of range is an {@link InvalidRegistryException} naming its JSON path.
 */
public final class RegistryJson {
  private final ObjectMapper mapper;

  public RegistryJson() {
    SimpleModule enums = new SimpleModule("registry-enums");
    enums.setSerializerModifier(new CanonicalSerializers());
    enums.setDeserializerModifier(new LowerCaseEnums());
    this.mapper = new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .registerModule(enums)
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        // A record's data is its components; derived answers such as Pricing.isFree() are not fields.
        .setVisibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE)
        .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
        .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
        .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
        .configure(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS, false)
        .configure(SerializationFeature.INDENT_OUTPUT, true)
        .configure(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN, true)
        .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, true)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
        .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
        .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);
  }

  /** The canonical JSON of {@code registry}. */
  public byte[] write(Registry registry) {
    try {
      return mapper.writeValueAsBytes(tree(registry));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the registry could not be written as JSON", e);
    }
  }

  /** The canonical tree of {@code registry}: what {@link #write} writes, and what differences compare. */
  public ObjectNode tree(Registry registry) {
    ObjectNode root = mapper.createObjectNode();
    ObjectNode models = root.putObject("models");
    registry.models().forEach((name, model) -> models.set(name, tree(model)));
    ObjectNode routes = root.putObject("routes");
    registry.routes().forEach((name, route) -> routes.set(name, tree(route)));
    return root;
  }

  /** One model as the registry's JSON holds it (without its name, which is its key). */
  public ObjectNode tree(ModelSettings model) {
    ObjectNode node = mapper.valueToTree(model);
    node.remove("name");
    return node;
  }

  /** One route as the registry's JSON holds it (without its name, which is its key). */
  public ObjectNode tree(AutoRouteSettings route) {
    ObjectNode node = mapper.valueToTree(route);
    node.remove("name");
    return node;
  }

  public byte[] write(JsonNode node) {
    try {
      return mapper.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("JSON could not be written", e);
    }
  }

  /**
   * A whole registry from its JSON; {@code routes} may be left out (none). Checks the shape and each
   * value; what depends on the node (which providers exist) and on other entries (a route's candidates)
   * is {@link RegistryRules}'.
   */
  public Registry read(byte[] json) {
    JsonNode root = parse(json, "");
    if (!root.isObject()) throw new InvalidRegistryException("", "The registry must be a JSON object with \"models\" and \"routes\".");
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!field.equals("models") && !field.equals("routes")) {
        throw new InvalidRegistryException(field, "Unknown field \"" + field + "\": a registry holds \"models\" and \"routes\".");
      }
    }
    JsonNode models = root.path("models");
    if (!models.isObject()) throw new InvalidRegistryException("models", "\"models\" must be an object of models by name.");
    JsonNode routes = root.path("routes");
    if (!routes.isMissingNode() && !routes.isNull() && !routes.isObject()) {
      throw new InvalidRegistryException("routes", "\"routes\" must be an object of routes by name.");
    }
    TreeMap<String, ModelSettings> readModels = new TreeMap<>();
    models.fields().forEachRemaining(e -> readModels.put(e.getKey(), model(e.getKey(), e.getValue(), "models." + e.getKey())));
    TreeMap<String, AutoRouteSettings> readRoutes = new TreeMap<>();
    if (routes.isObject()) {
      routes.fields().forEachRemaining(e -> readRoutes.put(e.getKey(), route(e.getKey(), e.getValue(), "routes." + e.getKey())));
    }
    return new Registry(readModels, readRoutes);
  }

  /** One model, named {@code name}, from its JSON (as {@code PUT /admin/registry/models/{name}} sends it). */
  public ModelSettings readModel(String name, byte[] json) {
    return model(name, parse(json, "models." + name), "models." + name);
  }

  /** One route, named {@code name}, from its JSON. */
  public AutoRouteSettings readRoute(String name, byte[] json) {
    return route(name, parse(json, "routes." + name), "routes." + name);
  }

  private JsonNode parse(byte[] json, String at) {
    try {
      JsonNode node = mapper.readTree(json);
      if (node == null || node.isMissingNode()) throw new InvalidRegistryException(at, "The body is empty; send JSON.");
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidRegistryException(at, "The body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidRegistryException(at, "The body could not be read as JSON.");
    }
  }

  private ModelSettings model(String name, JsonNode given, String path) {
    if (!given.isObject()) throw new InvalidRegistryException(path, "A model must be a JSON object.");
    ObjectNode node = named(name, (ObjectNode) given, path);
    RegistryDefaults.model(node, name, path);
    return bind(node, ModelSettings.class, path);
  }

  private AutoRouteSettings route(String name, JsonNode given, String path) {
    if (!given.isObject()) throw new InvalidRegistryException(path, "A route must be a JSON object.");
    ObjectNode node = named(name, (ObjectNode) given, path);
    RegistryDefaults.route(node, path);
    return bind(node, AutoRouteSettings.class, path);
  }

  /** A copy of {@code node} whose {@code name} is {@code name}; a different name inside is a mistake. */
  private static ObjectNode named(String name, ObjectNode node, String path) {
    if (name.isBlank()) throw new InvalidRegistryException(path, "A name must not be blank.");
    JsonNode inside = node.get("name");
    if (inside != null && !inside.isNull() && !inside.asText().equals(name)) {
      throw new InvalidRegistryException(path + ".name", "\"name\" is \"" + inside.asText() + "\" but the entry is \""
          + name + "\"; leave \"name\" out (the key is the name) or make them equal.");
    }
    ObjectNode copy = node.deepCopy();
    copy.put("name", name);
    return copy;
  }

  private <T> T bind(ObjectNode node, Class<T> type, String path) {
    try {
      return mapper.treeToValue(node, type);
    } catch (JsonMappingException e) {
      String at = path(path, e.getPath());
      if (e instanceof ValueInstantiationException && e.getCause() != null) {
        throw new InvalidRegistryException(at, "Invalid " + at + ": " + e.getCause().getMessage() + ".");
      }
      throw new InvalidRegistryException(at, "Invalid " + at + ": " + e.getOriginalMessage()
          .replaceAll(" \\(class [^)]*\\)", "").replaceAll("`[a-z.]+\\.([A-Za-z$]+)`", "$1") + ".");
    } catch (JsonProcessingException e) {
      throw new InvalidRegistryException(path, "Invalid " + path + ": " + e.getOriginalMessage() + ".");
    }
  }

  /** The JSON path of a Jackson reference chain below {@code base}, e.g. {@code models.gpt.deployments[0].provider}. */
  private static String path(String base, List<JsonMappingException.Reference> references) {
    StringBuilder at = new StringBuilder(base);
    for (JsonMappingException.Reference r : references) {
      if (r.getFieldName() != null) at.append('.').append(r.getFieldName());
      else if (r.getIndex() >= 0) at.append('[').append(r.getIndex()).append(']');
    }
    return at.toString();
  }

  /** An enum constant's name in the registry: lower case, {@code _} written as {@code -}. */
  static String enumName(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Enums (values and map keys) by {@link #enumName}; sets sorted, so the output never depends on hashing. */
  private static final class CanonicalSerializers extends BeanSerializerModifier {
    @Override
    public JsonSerializer<?> modifyEnumSerializer(SerializationConfig config, JavaType type, BeanDescription desc,
        JsonSerializer<?> serializer) {
      return new StdSerializer<Enum<?>>(Enum.class, false) {
        @Override
        public void serialize(Enum<?> value, JsonGenerator gen, SerializerProvider provider) throws IOException {
          gen.writeString(enumName(value));
        }
      };
    }

    @Override
    public JsonSerializer<?> modifyKeySerializer(SerializationConfig config, JavaType type, BeanDescription desc,
        JsonSerializer<?> serializer) {
      if (!type.isEnumType()) return serializer;
      return new StdSerializer<Enum<?>>(Enum.class, false) {
        @Override
        public void serialize(Enum<?> value, JsonGenerator gen, SerializerProvider provider) throws IOException {
          gen.writeFieldName(enumName(value));
        }
      };
    }

    @Override
    public JsonSerializer<?> modifyCollectionSerializer(SerializationConfig config, CollectionType type,
        BeanDescription desc, JsonSerializer<?> serializer) {
      if (!Set.class.isAssignableFrom(type.getRawClass())) return serializer;
      return new StdSerializer<Collection<?>>(Collection.class, false) {
        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void serialize(Collection<?> value, JsonGenerator gen, SerializerProvider provider) throws IOException {
          List<Object> sorted = new ArrayList<>(value);
          sorted.sort((a, b) -> ((Comparable) a).compareTo(b));
          gen.writeStartArray();
          for (Object element : sorted) provider.defaultSerializeValue(element, gen);
          gen.writeEndArray();
        }
      };
    }
  }

  /** Enums read by {@link #enumName} (case-insensitive), for values and map keys; an unknown one lists the known. */
  private static final class LowerCaseEnums extends BeanDeserializerModifier {
    @Override
    public JsonDeserializer<?> modifyEnumDeserializer(DeserializationConfig config, JavaType type,
        BeanDescription desc, JsonDeserializer<?> deserializer) {
      Class<?> raw = type.getRawClass();
      return new JsonDeserializer<Enum<?>>() {
        @Override
        public Enum<?> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
          String text = p.getValueAsString();
          Enum<?> found = text == null ? null : find(raw, text);
          if (found == null) {
            throw ctxt.weirdStringException(String.valueOf(text), raw, "not one of " + known(raw));
          }
          return found;
        }
      };
    }

    @Override
    public KeyDeserializer modifyKeyDeserializer(DeserializationConfig config, JavaType type, KeyDeserializer deserializer) {
      if (!type.isEnumType()) return deserializer;
      Class<?> raw = type.getRawClass();
      return new KeyDeserializer() {
        @Override
        public Object deserializeKey(String key, DeserializationContext ctxt) throws IOException {
          Enum<?> found = find(raw, key);
          if (found == null) throw ctxt.weirdKeyException(raw, key, "not one of " + known(raw));
          return found;
        }
      };
    }

    private static Enum<?> find(Class<?> type, String text) {
      for (Object constant : type.getEnumConstants()) {
        if (enumName((Enum<?>) constant).equalsIgnoreCase(text.trim())) return (Enum<?>) constant;
      }
      return null;
    }

    private static String known(Class<?> type) {
      return Arrays.stream(type.getEnumConstants()).map(c -> enumName((Enum<?>) c)).collect(Collectors.joining(", "));
    }
  }
}
