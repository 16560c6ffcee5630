package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.usage.Accounts;
import java.time.Clock;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What {@link ApiRoutes} needs of keys and usage: the guards around {@code /v1} and {@code /admin}, and
 * the routes of their own ({@code /admin/keys}, {@code /admin/usage}, {@code /v1/usage}).
 */
final class AccessRoutes extends AllDirectives {
  private final Authentication authentication;
  private final KeyAdminRoutes keys;
  private final UsageRoutes usage;

  AccessRoutes(Accounts accounts, Supplier<Set<String>> models, ObjectMapper mapper, Clock clock) {
    this.authentication = new Authentication(accounts.access().auth(), accounts.access().keysRequired(),
        accounts.directory(), clock, mapper);
    this.keys = new KeyAdminRoutes(accounts.directory(), models, mapper, clock);
    this.usage = new UsageRoutes(accounts.reports(), mapper, clock);
  }

  /** {@code inner} for holders of the admin key only. */
  Route admin(Supplier<Route> inner) {
    return authentication.admin(inner);
  }

  /** {@code inner} with the caller authenticated (see {@link Authentication#client}). */
  Route client(Supplier<Route> inner) {
    return authentication.client(inner);
  }

  /** As {@link #client(Supplier)}, refusing through {@code refuse} (the guarded routes' error envelope). */
  Route client(Function<ApiError, HttpResponse> refuse, Supplier<Route> inner) {
    return authentication.client(refuse, inner);
  }

  /** Under {@code /admin}, behind {@link #admin}. */
  Route adminRoutes() {
    return concat(keys.route(), usage.admin());
  }

  /** Under {@code /v1}, behind {@link #client}. */
  Route clientRoutes() {
    return usage.client();
  }
}
