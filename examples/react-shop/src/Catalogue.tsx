import { useCart } from 'steadycart/react';
import { money, PRODUCTS } from './products';

export function Catalogue() {
  const { add } = useCart();
  return (
    <section className="catalogue" aria-label="Products">
      {PRODUCTS.map((product) => (
        <article key={product.sku}>
          <h2>{product.name}</h2>
          <p>{money(product.unitPrice)}</p>
          {/* Works before the cart has loaded too: add waits for it. */}
          <button onClick={() => add(product)}>Add to cart</button>
        </article>
      ))}
    </section>
  );
}
