import { CartPanel } from './CartPanel';
import { Catalogue } from './Catalogue';
import { Checkout } from './Checkout';
import { Health } from './Health';
import { Orders } from './Orders';

export function App() {
  return (
    <main>
      <header>
        <h1>Steady Goods</h1>
        <Health />
      </header>
      <Catalogue />
      <aside>
        <CartPanel />
        <Checkout />
        <Orders />
      </aside>
    </main>
  );
}
