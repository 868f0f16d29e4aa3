import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { SteadyCartOptions } from 'steadycart';
import { SteadyCartProvider } from 'steadycart/react';
import { App } from './App';
import './styles.css';

const options: SteadyCartOptions = {
  // Two regions of one API (one idempotency store) and a backup backend: see start.mjs.
  endpoints: JSON.parse(import.meta.env.VITE_STEADYCART_ENDPOINTS ?? '[]'),
  budgetMs: 3000,
};

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SteadyCartProvider options={options}>
      <App />
    </SteadyCartProvider>
  </StrictMode>,
);
