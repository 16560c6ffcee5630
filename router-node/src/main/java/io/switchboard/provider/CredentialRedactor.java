package io.switchboard.provider;

import io.switchboard.config.ProviderSettings;
import io.switchboard.config.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Cleans text that came from an upstream of anything that looks like a credential, before it reaches
 * a client's error or a log line. An upstream may echo the request it got (a debugging proxy, a
 * misconfigured server, an error page quoting headers), and that request carried the gateway's own
 * provider key: passed on as it is, it would hand that key to any holder of a virtual key.
 *
 * <p>Removed, each replaced by {@value #MARKER}:
 * <ul>
 *   <li>the provider's configured API key, wherever it appears, whatever its shape;
 *   <li>the value after a credential-carrying name ({@code Authorization: ...}, {@code x-api-key: ...},
 *       {@code "api_key": "..."}, {@code api-key=...}, {@code access_token=...}), the name kept;
 *   <li>{@code Bearer ...} and {@code Basic ...} credentials standing alone;
 *   <li>tokens shaped like provider keys: {@code sk-...}, {@code sk-ant-...}, {@code sk-proj-...}.
 * </ul>
 * The rest of the text stays as it is, so the upstream's explanation still reaches the client; JSON
 * stays JSON, since nothing quoted is cut open.
 *
 * <pre>{@code
 * CredentialRedactor redactor = CredentialRedactor.forProvider(settings);
 * String clean = redactor.redact(errorBody);
 * }</pre>
 */
public final class CredentialRedactor {
  /** What stands where a credential was. */
  public static final String MARKER = "[redacted]";

  /** Cleans by shape alone: for text whose provider's key is not at hand. */
  public static final CredentialRedactor SHAPES_ONLY = new CredentialRedactor(List.of());

  /** A credential's name, its separator, an optional scheme, then the value (not one already redacted). */
  private static final Pattern NAMED_VALUE = Pattern.compile(
      "(?i)\\b((?:proxy-)?authorization|x-api-key|x-goog-api-key|api[-_]?key|access[-_]?token|client[-_]?secret)"
          + "(\\\\?[\"']?\\s*[:=]\\s*\\\\?[\"']?\\s*)((?:bearer|basic)\\s+)?+(?!\\[redacted])[^\\s\"'\\\\,;&}\\]]+");
  /** A scheme and a token-like value: eight or more token characters, a digit among them ("Basic auth" is prose). */
  private static final Pattern SCHEME_VALUE = Pattern.compile(
      "(?i)\\b(bearer|basic)\\s+(?!\\[redacted])(?=[A-Za-z._~+/=\\-]*\\d)[A-Za-z0-9._~+/=\\-]{8,}");
  /** {@code sk-} and what follows, not inside a longer word ({@code task-force} is safe). */
  private static final Pattern KEY_SHAPED = Pattern.compile("(?<![A-Za-z0-9_\\-])sk-[A-Za-z0-9_\\-]{3,}");

  private final List<String> secrets;

  private CredentialRedactor(List<String> secrets) {
    this.secrets = List.copyOf(secrets);
  }

  /** Cleans by shape and of the provider's own configured key (OpenAI's or Anthropic's). */
  public static CredentialRedactor forProvider(ProviderSettings settings) {
    List<Optional<Secret>> keys = new ArrayList<>();
    if (settings.openai() != null) keys.add(settings.openai().apiKey());
    if (settings.anthropic() != null) keys.add(settings.anthropic().apiKey());
    return new CredentialRedactor(keys.stream().flatMap(Optional::stream).map(Secret::reveal).toList());
  }

  /** {@code text} without credentials; {@code null} stays {@code null}. */
  public String redact(String text) {
    if (text == null || text.isEmpty()) return text;
    String clean = text;
    for (String secret : secrets) clean = clean.replace(secret, MARKER);
    clean = NAMED_VALUE.matcher(clean).replaceAll("$1$2$3" + MARKER);
    clean = SCHEME_VALUE.matcher(clean).replaceAll("$1 " + MARKER);
    return KEY_SHAPED.matcher(clean).replaceAll(MARKER);
  }
}
