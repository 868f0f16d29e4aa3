/**
 * A checkout in an iframe sandboxed without `allow-same-origin` (an embedded
 * payment widget, say) runs in an opaque origin: IndexedDB, Web Locks,
 * BroadcastChannel and service workers are refused there, each in its own way
 * per engine. Invariant 8: the SDK must still give the shopper a cart and
 * place the order, in memory.
 */
import { expect } from 'chai';
import { closeBackends, startBackend } from '../backend';
import { uniqueNamespace } from '../helpers';

interface Report {
  steps: string[];
  storage?: string;
  worker?: string;
  count?: number;
  order?: { id: string; status: string };
  error?: { name: string; code?: string; message: string };
}

/** Runs test/fixtures/sandboxed.html in a frame sandboxed with `allow-scripts` only; resolves with what it reported. */
async function sandboxed(options: object): Promise<Report> {
  const frame = document.createElement('iframe');
  frame.sandbox.add('allow-scripts');
  frame.src = `/test/fixtures/sandboxed.html?options=${encodeURIComponent(JSON.stringify(options))}`;
  const reported = new Promise<Report>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the sandboxed frame reported nothing within 20 s')), 20_000);
    addEventListener('message', function listener({ data, source }) {
      if (source != frame.contentWindow || !data?.sandboxed) return;
      clearTimeout(timer);
      removeEventListener('message', listener);
      resolve(data.sandboxed as Report);
    });
  });
  document.body.append(frame);
  try {
    return await reported;
  } finally {
    frame.remove();
  }
}

describe('a sandboxed frame (opaque origin)', () => {
  afterEach(closeBackends);

  // Configured, the worker is reported failed (the page replays by itself); else there is none.
  for (const [serviceWorker, worker] of [[false, 'none'], [undefined, 'none'], ['/dist/steadycart-sw.js', 'failed']] as const) {
    it(`keeps the cart and places the order in memory (serviceWorker: ${JSON.stringify(serviceWorker)})`, async () => {
      const be = await startBackend();
      const namespace = uniqueNamespace();
      const report = await sandboxed({ namespace, endpoints: be.sdk('us', 'eu'), serviceWorker });
      expect(report.error, JSON.stringify(report)).to.equal(undefined);
      expect(report, JSON.stringify(report)).to.deep.include({ storage: 'memory', worker, count: 2 });
      expect(report.order!.status).to.equal('confirmed');
      expect(await be.charges(report.order!.id)).to.equal(1);
    });
  }
});
