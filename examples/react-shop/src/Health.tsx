import { useEffect, useState } from 'react';
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
  const toggle = async () => {
    setDown(await readSwitch(await fetch(outageSwitch!, { method: 'POST', body: JSON.stringify({ down: !down }) })));
  };
  return (
    <p className="health">
      <span role="status">
        {health && (open ? `${open} of ${health.endpoints.length} payment endpoints down` : 'All payment endpoints up')}
        {health?.storage == 'memory' && ' · this browser cannot keep your cart'}
        {failedOverTo && ` · last failover to ${failedOverTo}`}
      </span>
      {outageSwitch && (
        <button disabled={down === undefined} onClick={() => toggle().catch(() => {})}>
          {down ? 'End the outage' : 'Simulate an outage'}
        </button>
      )}
    </p>
  );
}
