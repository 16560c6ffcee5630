package io.switchboard.routing;

import io.switchboard.config.Capability;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a client asked of {@code GET /v1/models}: filters, a search and an order.
 *
 * <ul>
 *   <li>{@code provider}: models with a deployment at one of these providers (repeat the parameter or
 *       separate with commas; any one matches).
 *   <li>{@code capability}: models whose primary deployment has every one of these ({@code tools},
 *       {@code json}, {@code vision}, {@code streaming}; repeated or comma-separated).
 *   <li>{@code q}: a case-insensitive substring of the model's name, an upstream model or a provider.
 *   <li>{@code sort}: {@code name} (the default, A to Z), {@code price} (input plus output price per
 *       million tokens of the primary deployment, cheapest first) or {@code context} (largest context
 *       window first; an unknown window counts as 0). {@code order=asc|desc} reverses a default.
 * </ul>
 *
 * @param providers empty: any provider
 * @param capabilities empty: no requirement
 * @param search lower-case; empty: no search
 */
public record CatalogQuery(Set<String> providers, Set<Capability> capabilities, String search, Sort sort,
    boolean descending) {

  /** The orders a listing can be sorted in. */
  public enum Sort {
    NAME(false),
    PRICE(false),
    CONTEXT(true);

    /** Whether this sort runs largest first unless {@code order} says otherwise. */
    final boolean descendingByDefault;

    Sort(boolean descendingByDefault) {
      this.descendingByDefault = descendingByDefault;
    }
  }

  /** Every model, by name. */
  public static final CatalogQuery ALL = new CatalogQuery(Set.of(), Set.of(), "", Sort.NAME, false);

  public CatalogQuery {
    providers = Set.copyOf(providers);
    capabilities = capabilities.isEmpty() ? Set.of() : Set.copyOf(capabilities);
  }

  /** A query parameter that cannot be understood; {@link #param()} names it. */
  public static final class InvalidParameter extends IllegalArgumentException {
    private final String param;

    InvalidParameter(String param, String message) {
      super(message);
      this.param = param;
    }

    public String param() {
      return param;
    }
  }

  /**
   * Reads the query string's parameters; unknown parameters are ignored, as OpenAI does.
   *
   * @param knownProviders the configured providers: a filter naming another is a mistake worth telling
   * @throws InvalidParameter for an unknown provider, capability, sort or order
   */
  public static CatalogQuery parse(Map<String, List<String>> params, Collection<String> knownProviders) {
    Set<String> providers = new LinkedHashSet<>();
    for (String p : values(params, "provider")) {
      if (!knownProviders.contains(p)) {
        throw new InvalidParameter("provider", "No provider '" + p + "' is configured. Providers: "
            + String.join(", ", knownProviders) + ".");
      }
      providers.add(p);
    }
    Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
    for (String c : values(params, "capability")) {
      try {
        capabilities.add(Capability.fromConfig(c));
      } catch (IllegalArgumentException e) {
        throw new InvalidParameter("capability", "Unknown capability '" + c
            + "'. Use tools, json, vision or streaming (repeat the parameter or separate with commas).");
      }
    }
    String search = values(params, "q").stream().findFirst().orElse("").toLowerCase(Locale.ROOT);
    Sort sort = single(params, "sort").map(CatalogQuery::parseSort).orElse(Sort.NAME);
    boolean descending = single(params, "order").map(CatalogQuery::parseOrder).orElse(sort.descendingByDefault);
    return new CatalogQuery(providers, capabilities, search, sort, descending);
  }

  private static Sort parseSort(String value) {
    for (Sort s : Sort.values()) {
      if (s.name().equalsIgnoreCase(value)) return s;
    }
    throw new InvalidParameter("sort", "Unknown sort '" + value + "'. Use sort=name, sort=price or sort=context.");
  }

  private static boolean parseOrder(String value) {
    if (value.equalsIgnoreCase("asc")) return false;
    if (value.equalsIgnoreCase("desc")) return true;
    throw new InvalidParameter("order", "Unknown order '" + value + "'. Use order=asc or order=desc.");
  }

  private static Optional<String> single(Map<String, List<String>> params, String name) {
    List<String> values = values(params, name);
    return values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
  }

  /** Every non-blank value of a parameter, repeated or comma-separated, trimmed. */
  private static List<String> values(Map<String, List<String>> params, String name) {
    List<String> out = new ArrayList<>();
    for (String raw : params.getOrDefault(name, List.of())) {
      for (String v : raw.split(",")) {
        if (!v.isBlank()) out.add(v.trim());
      }
    }
    return out;
  }
}
