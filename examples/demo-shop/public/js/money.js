const formats = new Map();

/** Formats integer minor units: money(2400, 'USD') -> "$24.00". */
export function money(minor, currency = 'USD') {
  let f = formats.get(currency);
  if (!f) formats.set(currency, (f = new Intl.NumberFormat('en-US', { style: 'currency', currency })));
  return f.format(minor / 100);
}

/** Free shipping from $75, else a flat $6. */
export const FREE_SHIPPING_FROM = 7500;
export const shippingFor = (subtotal) => (subtotal == 0 || subtotal >= FREE_SHIPPING_FROM ? 0 : 600);
