/**
 * Drill mode: `createSteadyCart({ ...options, drill: true })` is typed with
 * `sc.drill`, so the snippet of the README and docs/drills.md compiles under
 * strict TypeScript; any other instance may lack it.
 */
import { createSteadyCart, type DrillApi, type EndpointOptions, type SteadyCart } from '../../src/index';

declare const endpoints: EndpointOptions[];
declare const staging: boolean;

export async function drillMode(): Promise<void> {
  const sc = await createSteadyCart({ endpoints, drill: true }); // staging builds only
  sc.drill.start({ endpoint: 'https://pay-us.staging.example.com', fault: 'drop-after-commit', forMs: 120_000 });
  sc.drill.stop();
  const asInstance: SteadyCart = sc;
  const api: DrillApi = sc.drill;
  void asInstance, api;
}

export async function maybeDrill(): Promise<void> {
  const plain = await createSteadyCart({ endpoints });
  // @ts-expect-error no drill mode asked for: sc.drill may be undefined
  plain.drill.stop();
  const decided = await createSteadyCart({ endpoints, drill: staging });
  // @ts-expect-error a drill typed only as boolean: sc.drill may be undefined
  decided.drill.stop();
  decided.drill?.stop();
  const none = await createSteadyCart();
  void none.cart;
}
