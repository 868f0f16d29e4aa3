// What Vite puts in import.meta.env for this app (start.mjs sets it; a .env file would too).
interface ImportMeta {
  readonly env: {
    /** JSON: the checkout endpoints, `[{ "url": "...", "domain": "..." }]`. */
    readonly VITE_STEADYCART_ENDPOINTS?: string;
    /** Path of the outage switch start.mjs serves in development, if any. */
    readonly VITE_OUTAGE_SWITCH?: string;
  };
}
