import { useCart } from 'steadycart/react';
import { money } from './products';

export function CartPanel() {
  const { cart, loading, setQuantity, remove } = useCart();
  if (loading) return <section aria-busy="true">Loading your cart…</section>;
  return (
    <section aria-label="Cart">
      <h2>
        Cart <span data-test="cart-count">{cart.count}</span>
      </h2>
      {cart.items.length == 0 && <p>Your cart is empty.</p>}
      <ul>
        {cart.items.map((line) => (
          <li key={line.sku}>
            {line.name} × {line.qty} <button onClick={() => setQuantity(line.sku, line.qty + 1)}>+</button>{' '}
            <button onClick={() => remove(line.sku)}>Remove</button>
          </li>
        ))}
      </ul>
      <p>
        Subtotal <strong data-test="subtotal">{money(cart.subtotal)}</strong>
      </p>
    </section>
  );
}
