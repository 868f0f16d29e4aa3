/**
 * The shop's twelve products. Prices in cents (USD). Images are SVG files drawn for the demo.
 * Barcodes are in-store EAN-13s (prefix 2, restricted circulation), so they name no real product;
 * the mug's and the kettle's pass the Luhn check, as one barcode in ten does, and go in orders all
 * the same: steadycart takes a value under `gtin` for a product code, not a card number.
 */
export const CURRENCY = 'USD';

export const PRODUCTS = [
  { sku: 'mug-oat', gtin: '2004100000074', name: 'Stoneware Mug', price: 2400, image: 'mug', alt: 'A speckled cream mug dipped in terracotta glaze', desc: 'Speckled oat glaze, 350 ml. Thrown in small batches.' },
  { sku: 'pour-over', gtin: '2004101000004', name: 'Ceramic Pour-Over', price: 3200, image: 'dripper', alt: 'A white ceramic coffee dripper on a glass server', desc: 'Three-rib cone for a clean, bright cup. Fits most servers.' },
  { sku: 'kettle-goose', gtin: '2004102000072', name: 'Gooseneck Kettle', price: 8900, image: 'kettle', alt: 'A matte black gooseneck kettle with a walnut handle', desc: 'Matte black steel, walnut handle, 0.9 l. Pours slowly.', tag: 'Bestseller' },
  { sku: 'beans-harbor', gtin: '2004103000002', name: 'Harbor Roast, 250 g', price: 1800, image: 'beans', alt: 'A kraft paper bag of coffee beans with loose beans beside it', desc: 'Chocolate, plum and toasted almond. Roasted weekly.', tag: 'Fresh roast' },
  { sku: 'towel-linen', gtin: '2004104000001', name: 'Linen Tea Towel', price: 1600, image: 'towel', alt: 'A striped linen tea towel hanging from a wooden rail', desc: 'Stonewashed linen with a blue selvedge stripe.' },
  { sku: 'candle-beeswax', gtin: '2004105000000', name: 'Beeswax Candle', price: 2200, image: 'candle', alt: 'A lit beeswax candle in an amber glass jar', desc: 'Pure beeswax in amber glass. Around 40 hours.' },
  { sku: 'planter-terra', gtin: '2004106000009', name: 'Terracotta Planter', price: 2800, image: 'planter', alt: 'A terracotta pot with a leafy green plant', desc: 'Unglazed clay with a matching saucer. 14 cm.' },
  { sku: 'teapot-glass', gtin: '2004107000008', name: 'Glass Teapot', price: 4200, image: 'teapot', alt: 'A round glass teapot half full of amber tea', desc: 'Borosilicate glass with a removable infuser, 800 ml.' },
  { sku: 'plate-enamel', gtin: '2004108000007', name: 'Enamel Camp Plate', price: 1400, image: 'plate', alt: 'A white enamel plate with a navy rim', desc: 'White enamel, navy rim. Made for the outdoors.' },
  { sku: 'board-walnut', gtin: '2004109000006', name: 'Walnut Serving Board', price: 5800, image: 'board', alt: 'A walnut serving board with cheese and grapes', desc: 'A single piece of oiled walnut, 45 cm.' },
  { sku: 'tote-market', gtin: '2004110000002', name: 'Market Tote', price: 2600, image: 'tote', alt: 'A canvas tote bag with green handles and a round logo', desc: 'Heavy canvas, long handles, inside pocket.' },
  { sku: 'throw-wool', gtin: '2004111000001', name: 'Wool Throw', price: 12000, image: 'throw', alt: 'A folded stack of rust-red checked wool blankets', desc: 'Lambswool check in rust and cream, 130 × 180 cm.', tag: 'New' },
];

export const imageUrl = (name) => `/assets/img/${name}.svg`;

/** The cart line for a product: what `sc.cart.add` stores (meta keeps the image for the drawer, and the barcode for the order). */
export const cartItem = (p) => ({ sku: p.sku, name: p.name, unitPrice: p.price, currency: CURRENCY, meta: { image: p.image, gtin: p.gtin } });
