import { useEffect, useState } from 'react';
import { useSteadyCart, useSteadyCartHealth } from 'steadycart/react';

const outageSwitch = import.meta.env.VITE_OUTAGE_SWITCH;

/** The store's reachability as steadycart sees it, and (in development) a switch that takes every endpoint down. */
export function Health() {
  const { health } = useSteadyCartHealth();
  const { sc } = useSteadyCart();
  const [failedOverTo, setFailedOverTo] = useState('');
  // The instance's own events: which endpoint took over the last time one failed.
  useEffect(() => sc?.on('failover', ({ to }) => setFailedOverTo(new URL(to).host)), [sc]);
  const [down, setDown] = useState(false);
  const open = health?.endpoints.filter((e) => e.state == 'open').length ?? 0;
  const toggle = async () => {
    await fetch(outageSwitch!, { method: 'POST', body: JSON.stringify({ down: !down }) });
    setDown(!down);
  };
  return (
    <p className="health">
      {health && (open ? `${open} of ${health.endpoints.length} payment endpoints down` : 'All payment endpoints up')}
      {health?.storage == 'memory' && ' · this browser cannot keep your cart'}
      {failedOverTo && ` · last failover to ${failedOverTo}`}
      {outageSwitch && (
        <button onClick={() => toggle().catch(() => {})}>{down ? 'End the outage' : 'Simulate an outage'}</button>
      )}
    </p>
  );
}
