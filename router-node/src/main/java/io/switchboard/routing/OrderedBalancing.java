package io.switchboard.routing;

/** Always the first deployment listed: the others serve only when it cannot. */
final class OrderedBalancing implements BalancingStrategy {
  static final OrderedBalancing INSTANCE = new OrderedBalancing();

  private OrderedBalancing() {}

  @Override
  public int choose() {
    return 0;
  }
}
