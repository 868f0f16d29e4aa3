import { useEffect, useRef, useState } from 'react';
import { useSteadyCart, useSteadyCartHealth } from 'steadycart/react';

const outageSwitch = import.meta.env.VITE_OUTAGE_SWITCH;

/** What the outage switch answers: whether every endpoint is down. */
const readSwitch = async (response: Response) => ((await response.json()) as { down: boolean }).down;

/** The store's reachability as steadycart sees it, and (in development) a switch that takes every endpoint down. */
export function Health() {
  const { health } = useSteadyCartHealth();
  const { sc } = useSteadyCart();
  const [failedOverTo, setFailedOverTo] = useState('');
  // The instance's own events: which endpoint took over the last time one failed.
  useEffect(() => sc?.on('failover', ({ to }) => setFailedOverTo(new URL(to).host)), [sc]);
  // The switch's state is the server's (it outlives a reload): read on mount, then as each toggle answers.
  const [down, setDown] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    if (!outageSwitch) return;
    let gone = false;
    fetch(outageSwitch)
      .then(readSwitch)
      .then((now) => gone || setDown(now))
      .catch(() => {});
    return () => {
      gone = true;
    };
  }, []);
  const open = health?.endpoints.filter((e) => e.state == 'open').length ?? 0;
  // Said to screen readers: only whether the store can be reached, when that changes and has held for a moment
  // (each endpoint's circuit opens and probes on its own during an outage: a dozen changes in a few seconds).
  const reachable = health ? open < health.endpoints.length : undefined;
  const [said, setSaid] = useState('');
  const lastSaid = useRef<boolean | undefined>(undefined);
  useEffect(() => {
    if (reachable === undefined) return;
    // The state the page opened with is shown, not announced.
    if (lastSaid.current === undefined) {
      lastSaid.current = reachable;
      return;
    }
    if (reachable == lastSaid.current) return;
    const settled = setTimeout(() => {
      lastSaid.current = reachable;
      setSaid(reachable ? 'The store can be reached again.' : 'The store cannot be reached right now. An order placed now is kept and sent once it is back.');
    }, 1000);
    return () => clearTimeout(settled);
  }, [reachable]);
  const toggle = async () => {
    setDown(await readSwitch(await fetch(outageSwitch!, { method: 'POST', body: JSON.stringify({ down: !down }) })));
  };
  return (
    <p className="health">
      {/* Not a live region: it changes many times a second during an outage. */}
      <span>
        {health && (open ? `${open} of ${health.endpoints.length} payment endpoints down` : 'All payment endpoints up')}
        {health?.storage == 'memory' && ' · this browser cannot keep your cart'}
        {failedOverTo && ` · last failover to ${failedOverTo}`}
      </span>
      <span role="status" className="visually-hidden" data-test="health-said">
        {said}
      </span>
      {outageSwitch && (
        <button disabled={down === undefined} onClick={() => toggle().catch(() => {})}>
          {down ? 'End the outage' : 'Simulate an outage'}
        </button>
      )}
    </p>
  );
}
