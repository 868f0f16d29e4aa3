import { expect } from 'chai';
import { classify, classifyLookup } from '../../../src/transport/classify';

describe('classification (response table of the wire contract)', () => {
  const table: Array<[number | undefined, string]> = [
    [200, 'done'],
    [201, 'done'],
    [204, 'done'],
    [409, 'busy'],
    [422, 'mismatch'],
    [408, 'retry'],
    [425, 'retry'],
    [429, 'retry'],
    [503, 'retry'],
    [400, 'refused'],
    [401, 'refused'],
    [402, 'refused'],
    [403, 'refused'],
    [404, 'refused'],
    [410, 'refused'],
    [500, 'ambiguous'],
    [502, 'ambiguous'],
    [504, 'ambiguous'],
    [599, 'ambiguous'],
    [undefined, 'ambiguous'],
  ];
  for (const [status, verdict] of table) {
    it(`${status ?? 'no answer (network error, timeout, abort)'} is ${verdict}`, () => {
      expect(classify(status)).to.equal(verdict);
    });
  }

  it('a lookup tells found (with the stored status and body), absent, busy and unknown apart', () => {
    expect(classifyLookup(200, { status: 201, body: { id: 1 } })).to.deep.equal({ kind: 'found', status: 201, body: { id: 1 } });
    expect(classifyLookup(200, { status: 402, body: null })).to.deep.equal({ kind: 'found', status: 402, body: null });
    // A stored refusal that is a 404 is still "found": only the bare 404 means "no record".
    expect(classifyLookup(200, { status: 404, body: 'x' })).to.deep.equal({ kind: 'found', status: 404, body: 'x' });
    expect(classifyLookup(404, null)).to.deep.equal({ kind: 'absent' });
    expect(classifyLookup(409, null)).to.deep.equal({ kind: 'busy' });
    for (const [status, body] of [[500, null], [503, null], [429, null], [undefined, null], [200, 'not an envelope'], [200, { status: '201' }],
      // A 200 that is not the wire's {status, body} (a gateway's JSON, say) proves nothing: the order is not confirmed by it.
      [200, { status: 200 }], [200, { error: 'injected_fault', status: 200 }], [200, { status: 201, message: 'OK' }], [200, { status: 201.5, body: null }]] as const) {
      expect(classifyLookup(status, body), `${status} ${JSON.stringify(body)}`).to.deep.equal({ kind: 'unknown' });
    }
  });
});
