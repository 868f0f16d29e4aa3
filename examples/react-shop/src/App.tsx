import { CartPanel } from './CartPanel';
import { Catalogue } from './Catalogue';
import { Checkout } from './Checkout';
import { Health } from './Health';
import { Orders } from './Orders';

export function App() {
  return (
    <>
      {/* Beside <main>, not in it: the page's banner landmark. */}
      <header>
        <h1>Steady Goods</h1>
        <Health />
      </header>
      <main>
        <Catalogue />
        <aside>
          <CartPanel />
          <Checkout />
          <Orders />
        </aside>
      </main>
    </>
  );
}
