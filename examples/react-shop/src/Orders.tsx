import { useOutbox } from 'steadycart/react';

/** Orders placed from this browser in the last day, live in every tab. */
export function Orders() {
  const { entries, loading, retry } = useOutbox();
  if (loading || entries.length == 0) return null;
  return (
    <section aria-label="Your orders">
      <h2>Your orders</h2>
      <ul>
        {entries.map((entry) => (
          <li key={entry.id} data-status={entry.status}>
            {new Date(entry.createdAt).toLocaleTimeString()} · {entry.status}
            {entry.status == 'pending' && <button onClick={() => retry(entry.id)}>Try again</button>}
          </li>
        ))}
      </ul>
    </section>
  );
}
