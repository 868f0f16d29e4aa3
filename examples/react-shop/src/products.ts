import type { NewCartItem } from 'steadycart';

/** The shop's catalogue: prices in cents. */
export const PRODUCTS: NewCartItem[] = [
  { sku: 'mug-blue', name: 'Blue mug', unitPrice: 1200, currency: 'EUR' },
  { sku: 'teapot', name: 'Stoneware teapot', unitPrice: 4800, currency: 'EUR' },
  { sku: 'beans', name: 'Coffee beans, 250 g', unitPrice: 950, currency: 'EUR' },
];

export const money = (cents: number) => new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' }).format(cents / 100);
