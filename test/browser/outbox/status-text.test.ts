import { expect } from 'chai';
import { orderStatusText } from '../../../src/index';
import { STATUSES } from '../../../src/outbox/statuses';

describe('orderStatusText (invariant 4: honest states)', () => {
  it('has a text for every order state, and for nothing else', () => {
    expect(Object.keys(orderStatusText).sort()).to.deep.equal([...STATUSES].sort());
    for (const status of STATUSES) expect(orderStatusText[status], status).to.be.a('string').and.match(/\w{3,}.*[.…]$/);
  });

  it('never tells a shopper that an order not placed yet is confirmed', () => {
    for (const status of STATUSES.filter((s) => s != 'confirmed')) {
      expect(orderStatusText[status], status).to.not.match(/\bis confirmed\b/i);
    }
    expect(orderStatusText.pending).to.match(/not confirmed yet/);
    // A pending order may not have left the device: the store has not "received" it.
    expect(orderStatusText.pending).to.not.match(/received/i);
    expect(orderStatusText.confirmed).to.match(/is confirmed/);
  });

  it('claims "nothing was charged" only where no backend processed the order (needs-payment)', () => {
    for (const status of STATUSES) expect(/nothing was charged/.test(orderStatusText[status]), status).to.equal(status == 'needs-payment');
  });
});
