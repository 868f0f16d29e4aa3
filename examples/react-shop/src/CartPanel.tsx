import { useEffect, useRef, useState } from 'react';
import { useCart } from 'steadycart/react';
import { money } from './products';

const itemsText = (count: number) => `${count} item${count == 1 ? '' : 's'} in your cart`;

export function CartPanel() {
  const { cart, loading, add, remove } = useCart();
  const heading = useRef<HTMLHeadingElement>(null);
  const removeButtons = useRef(new Map<string, HTMLButtonElement>());
  /** Where the keyboard focus goes once a removed line is gone: the next line's Remove, else the heading. */
  const focusAfterRemove = useRef<{ removed: string; next?: string } | undefined>(undefined);

  // Said politely whenever the count changes (in this tab or another), not when the cart first loads.
  const [said, setSaid] = useState('');
  const lastCount = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (loading) return;
    if (lastCount.current !== undefined && lastCount.current != cart.count) setSaid(itemsText(cart.count));
    lastCount.current = cart.count;
  }, [loading, cart.count]);

  useEffect(() => {
    const wanted = focusAfterRemove.current;
    if (!wanted || cart.items.some((line) => line.sku == wanted.removed)) return;
    focusAfterRemove.current = undefined;
    ((wanted.next && removeButtons.current.get(wanted.next)) || heading.current)?.focus();
  }, [cart]);

  const removeLine = (index: number) => {
    const line = cart.items[index]!;
    focusAfterRemove.current = { removed: line.sku, next: (cart.items[index + 1] ?? cart.items[index - 1])?.sku };
    remove(line.sku).catch(() => (focusAfterRemove.current = undefined));
  };

  if (loading) return <section aria-busy="true">Loading your cart…</section>;
  return (
    <section aria-label="Cart">
      <h2 tabIndex={-1} ref={heading}>
        Cart <span data-test="cart-count">{cart.count}</span>
      </h2>
      <p role="status" className="visually-hidden" data-test="cart-said">
        {said}
      </p>
      {cart.items.length == 0 && <p>Your cart is empty.</p>}
      <ul>
        {cart.items.map((line, index) => (
          <li key={line.sku}>
            {line.name} × {line.qty}{' '}
            <button aria-label={`Add one ${line.name}`} onClick={() => add({ ...line, qty: 1 })}>
              +
            </button>{' '}
            <button
              aria-label={`Remove ${line.name}`}
              ref={(button) => {
                if (button) removeButtons.current.set(line.sku, button);
                else removeButtons.current.delete(line.sku);
              }}
              onClick={() => removeLine(index)}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <p>
        Subtotal <strong data-test="subtotal">{money(cart.subtotal)}</strong>
      </p>
    </section>
  );
}
