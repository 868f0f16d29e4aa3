import { useOutbox } from 'steadycart/react';

/** Orders placed from this browser in the last day, live in every tab. */
export function Orders() {
  const { entries, loading, retry } = useOutbox();
  if (loading || entries.length == 0) return null;
  return (
    <section aria-label="Your orders">
      <h2>Your orders</h2>
      <ul>
        {entries.map((entry) => {
          const time = new Date(entry.createdAt).toLocaleTimeString();
          return (
            <li key={entry.id} data-status={entry.status}>
              {time} · {entry.status}
              {entry.status == 'pending' && (
                <>
                  {' '}
                  <button aria-label={`Try again to place the order of ${time}`} onClick={() => retry(entry.id)}>
                    Try again
                  </button>
                </>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
