import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { SteadyCartOptions } from 'steadycart';
import { SteadyCartProvider } from 'steadycart/react';
import { App } from './App';
import './styles.css';

const endpoints = import.meta.env.VITE_STEADYCART_ENDPOINTS;

const options: SteadyCartOptions = {
  // Two regions of one API (one idempotency store) and a backup backend: see start.mjs.
  // Without it, none: a cart-only shop (an empty list is INVALID_OPTIONS).
  endpoints: endpoints ? (JSON.parse(endpoints) as SteadyCartOptions['endpoints']) : undefined,
  budgetMs: 3000,
};

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SteadyCartProvider options={options}>
      <App />
    </SteadyCartProvider>
  </StrictMode>,
);
