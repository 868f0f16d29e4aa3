import type { OrderedLine, OutboxEntry } from 'steadycart';

/** The lines an outbox entry ordered (the `items` this shop puts in every order). */
export const orderLines = (entry: OutboxEntry) => ((entry.order as { items?: OrderedLine[] } | null)?.items ?? []) as OrderedLine[];
