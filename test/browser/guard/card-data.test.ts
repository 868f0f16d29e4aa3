import { expect } from 'chai';
import { isCardField, isCardNumber, isProductCodeField } from '../../../src/guard/card-data';
import { toJsonBody } from '../../../src/guard/json';

/** Asserts that `toJsonBody` refuses `order` with CARD_DATA at `path`. */
function refusedAt(order: unknown, path: string): void {
  let error: (Error & { code?: string; path?: string }) | undefined;
  try {
    toJsonBody(order);
  } catch (e) {
    error = e as Error;
  }
  expect(error?.code, path).to.equal('CARD_DATA');
  expect(error?.path).to.equal(path);
}

describe('card-data guard', () => {
  it('recognises Luhn-valid 13-19 digit card numbers starting 2-6, with spaces or dashes between groups', () => {
    for (const n of ['4111111111111111', '4111 1111 1111 1111', '4111-1111-1111-1111', '5555555555554444', '378282246310005', '6011111111111117', '2223003122003222', 4111111111111111, '4222222222222']) {
      expect(isCardNumber(n), String(n)).to.equal(true);
    }
  });

  it('recognises one pasted with whitespace around it, and a 17-19 digit one sent as a JS number (its last digits lost)', () => {
    for (const n of [' 4111111111111111', '4111 1111 1111 1111 ', '4111111111111111\n', '\u00a05555555555554444\t', 6212345678901234567, 62123456789012345]) {
      expect(isCardNumber(n), JSON.stringify(n)).to.equal(true);
    }
    expect(() => toJsonBody({ payment: { pan: 6212345678901234567 } })).to.throw().with.property('code', 'CARD_DATA');
    // Other long numbers are not card numbers, whatever their last digits.
    for (const n of [12345678901234567, 71234567890123456789, ' 4111111111111112 ']) expect(isCardNumber(n), String(n)).to.equal(false);
  });

  it('lets through what is not a card number', () => {
    for (const n of [
      '4111111111111112', // Luhn fails
      '1700000000000', // a millisecond timestamp starts with 1
      1732617600000,
      '7111111111111114', // outside the network ranges
      '411111111111', // 12 digits
      '41111111111111111113', // 20 digits
      'order 4111111111111111', // not the whole value
      '+4111111111111111',
      '',
      // A compact date-time (yyyyMMddHHmmss, as payment APIs send one) and an order number that starts with the
      // year: 20 begins no card number (Mastercard's 2-series is 2221-2720, Mir's 2200-2204), yet these pass the Luhn check.
      '20241126103007',
      20241126103007,
      '2024112600000005',
      '2100000000000005',
    ]) {
      expect(isCardNumber(n), String(n)).to.equal(false);
    }
    // Mir and the whole 2-series range still are.
    for (const n of ['2200000000000004', '2720990000000007']) expect(isCardNumber(n), n).to.equal(true);
    // So are UnionPay's and RuPay's 81 and 82 and Troy's 9792; not the rest of 8 and 9.
    for (const n of ['8100000000000002', '8200 0000 0000 0001', '9792000000000003']) expect(isCardNumber(n), n).to.equal(true);
    for (const n of ['8300000000000000', '8000000000000003', '9791000000000004']) expect(isCardNumber(n), n).to.equal(false);
  });

  it('recognises one typed or pasted with runs of spaces, non-breaking spaces or tabs between groups, and track data as a card reader types it', () => {
    for (const n of ['4111  1111  1111  1111', '4111\u00a01111\u00a01111\u00a01111', '4111\t1111\t1111\t1111', '4111 - 1111 - 1111 - 1111', '4111.1111.1111.1111']) {
      expect(isCardNumber(n), JSON.stringify(n)).to.equal(true);
    }
    // Track 2 (`;number=expiry...?`) and track 1 (`%Bnumber^NAME^expiry...`), alone or inside a field.
    for (const t of [';4111111111111111=25121010000000000000?', '4111111111111111=25121010000012300000', '%B4111111111111111^DOE/JOHN^25121010000000000000?', 'swiped: ;5555555555554444=2512']) {
      expect(isCardNumber(t), t).to.equal(true);
      refusedAt({ note: t }, 'note');
    }
    expect(isCardNumber('order;12345=ok')).to.equal(false);
  });

  it('is linear on long near-misses (no catastrophic backtracking)', () => {
    const start = performance.now();
    expect(isCardNumber('4' + '1 1'.repeat(20000) + 'x')).to.equal(false);
    expect(performance.now() - start).to.be.below(1000);
  });

  it('recognises card-data field names in the usual spellings when they hold a value', () => {
    for (const name of ['cardNumber', 'card_number', 'CARD-NUMBER', 'pan', 'cvv', 'CVC', 'cvv2', 'securityCode', 'security_code', 'track1', 'track2', 'trackData']) {
      expect(isCardField(name, '123'), name).to.equal(true);
    }
    // A security code after `card`/`cc`, or before `code`/`number`, and a card number in short.
    for (const name of ['cardCvv', 'card_cvc', 'cardCvc', 'cvvCode', 'cvc_code', 'cvv_number', 'cvvNumber', 'ccCvv', 'creditCardCvv', 'ccv', 'creditCardNo', 'cc_no', 'cardSecurityCode']) {
      expect(isCardField(name, '123'), name).to.equal(true);
    }
    // A security code as the last word of any name (a payment form's own prefixes).
    for (const name of ['paymentCvv', 'newCardCvc', 'cardholderCvv', 'billing_cvv2', 'amexCsc', 'savedCardSecurityCode']) {
      expect(isCardField(name, '123'), name).to.equal(true);
    }
    // A card vault's spellings (ActiveMerchant, Spreedly: `verification_value`; Moneris: `cvd_value`).
    for (const name of ['verification_value', 'verificationValue', 'cvd', 'cvd_value', 'cvvValue', 'securityCodeValue']) {
      expect(isCardField(name, '123'), name).to.equal(true);
    }
    refusedAt({ payment: { credit_card: { number: 'tok_1', verification_value: '123' } } }, 'payment.credit_card.verification_value');
    expect(isCardField('cvv', null)).to.equal(false);
    expect(isCardField('cvv', '')).to.equal(false);
    expect(isCardField('cvv', false)).to.equal(false);
    expect(isCardField('cardholder', 'Ada')).to.equal(false);
    expect(isCardField('customerId', '123')).to.equal(false);
    // Fields that only share a word with card data.
    for (const name of ['code', 'promoCode', 'discountCode', 'track', 'trackingNumber', 'giftCardNumber', 'cardholderName', 'panel', 'orderNumber']) {
      expect(isCardField(name, '123'), name).to.equal(false);
    }
  });

  it('refuses a card-data field holding a list or an object, whatever is inside; an empty one is harmless', () => {
    for (const value of [['123'], { value: '123' }, [4111, 1111, 1111, 1111], 123]) {
      expect(isCardField('cvv', value), JSON.stringify(value)).to.equal(true);
      refusedAt({ payment: { cvv: value } }, 'payment.cvv');
    }
    for (const value of [[], {}]) expect(isCardField('cvv', value), JSON.stringify(value)).to.equal(false);
  });

  it('a key that is itself a card number is named by the object that holds it: neither the path nor the message repeats the number', () => {
    let error: (Error & { code?: string; path?: string }) | undefined;
    try {
      toJsonBody({ notes: { '4111111111111111': 'x' } });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.code).to.equal('CARD_DATA');
    expect(error?.path).to.equal('notes');
    expect(error!.message).to.not.include('4111');
  });

  it('names the JSON path of card data anywhere in an order, nested or in arrays', () => {
    const cases: Array<[unknown, string]> = [
      [{ payment: { card: { number: '4111111111111111' } } }, 'payment.card.number'],
      [{ items: [{ sku: 'a' }, { note: 'x', ref: 5555555555554444 }] }, 'items[1].ref'],
      [{ payment: { cvv: '123' } }, 'payment.cvv'],
      [{ card_number: 'tok' }, 'card_number'],
      [['4111-1111-1111-1111'], '[0]'],
    ];
    for (const [order, path] of cases) refusedAt(order, path);
  });

  it('allows a card-like number at an explicitly allowed path (with [*] for any index)', () => {
    const order = { giftCards: [{ reference: '4111111111111111' }], note: 'x' };
    expect(() => toJsonBody(order, ['giftCards[*].reference'])).not.to.throw();
    expect(() => toJsonBody(order, ['giftCards[0].reference'])).not.to.throw();
    expect(() => toJsonBody(order, ['giftCards[1].reference'])).to.throw();
  });

  // Barcodes whose GS1 check digit is right and which also pass the Luhn check (one in ten does):
  // EAN-13 from Germany (400-440) and the UK (50), a GTIN-14 case code.
  const EAN = ['4006381300063', '5000010712714'] as const;
  const GTIN14 = '30614141000044';

  it('takes the barcodes it would otherwise refuse for what they are under a product-code field, in the usual spellings', () => {
    for (const code of [...EAN, GTIN14]) expect(isCardNumber(code), code).to.equal(true);
    for (const name of ['sku', 'SKU', 'variant_sku', 'productSku', 'gtin', 'gtin13', 'GTIN-14', 'ean', 'EAN13', 'eans', 'upc', 'isbn', 'mpn', 'barcode', 'barcodes', 'skus']) {
      expect(isProductCodeField(name), name).to.equal(true);
    }
    // Only as the name's last word: a name that merely ends in one of those letters is no product code.
    for (const name of ['number', 'ref', 'reference', 'cardNumber', 'pan', 'skuNote', 'code', 'id', 'paymentMeans', 'means', 'ocean', 'Ocean13']) {
      expect(isProductCodeField(name), name).to.equal(false);
    }
    const order = { items: [{ sku: EAN[0], gtin13: EAN[1], qty: 1 }, { sku: 'mug', gtins: [GTIN14, +EAN[0]] }], payment: { token: 'tok' } };
    expect(JSON.parse(toJsonBody(order))).to.deep.equal(order);
  });

  it('checks everything else under a product-code field: an object there is no product code, nor is a card-data field name', () => {
    refusedAt({ items: [{ sku: { number: '4111111111111111' } }] }, 'items[0].sku.number');
    refusedAt({ skus: [{ pan: 'x' }] }, 'skus[0].pan');
    refusedAt({ items: [{ sku: 'mug', ref: EAN[0] }] }, 'items[0].ref');
    refusedAt({ paymentMeans: '4111 1111 1111 1111' }, 'paymentMeans');
    refusedAt({ payment: { means: 4111111111111111 } }, 'payment.means');
    // A key that looks like a card number is named by the object holding it (here the root).
    refusedAt({ sku: 'mug', [EAN[0]]: 1 }, '');
  });

  it('serializes valid JSON once, dropping undefined properties like JSON.stringify', () => {
    expect(toJsonBody({ a: 1, b: undefined, c: [true, null, 'x'] })).to.equal('{"a":1,"c":[true,null,"x"]}');
  });
});
