/**
 * The card-data guard (docs/backend-contract.md, "What is never sent or stored"): raw card
 * numbers, CVVs and track data must never reach IndexedDB or the wire.
 */

/**
 * Field names of card data in the usual spellings, matched lower-case with
 * separators removed: a card number (`cardNumber`, `ccNo`, `pan`), a
 * security code on its own or as the name's last word, before `code`/`number`/`value` or not
 * (`cvv`, `cardCvc`, `paymentCvv`, `cvvCode`, `securityCode`, `verification_value`, `cvd_value`),
 * track data and a PIN block.
 */
const CARD_FIELD =
  /^(?:[a-z\d]*(?:cvv2?|cvc2?|cvn|csc|ccv|cvd|securitycode|verificationvalue)(?:code|number|no|num|value)?|(?:credit|debit)?(?:card|cc)(?:number|no|num|code|verificationcode)|pan|primaryaccountnumber|track(?:[12]|[12]?data)|mag(?:netic)?stripe|pinblock)$/;

/** A field name lower-case with its separators removed, as the name checks compare it. */
const bare = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * @internal True for a card-data field name holding a value: anything but
 * null, a boolean, an empty string or an empty object or list (a form's
 * empty field is harmless; `{ cvv: ['123'] }` is not).
 */
export function isCardField(name: string, value: unknown): boolean {
  return CARD_FIELD.test(bare(name)) && value != null && value !== '' && typeof value != 'boolean' && (typeof value != 'object' || Object.keys(value).length > 0);
}

/**
 * @internal True for a field named as a product code: a SKU, a barcode
 * (GTIN, EAN, UPC, ISBN) or a manufacturer's part number, in the usual
 * spellings, one or several (`skus`), with a length after it (`gtin13`), as
 * the name's last word (`productSku`, `barcode_ean13`; not `paymentMeans`).
 * Its values are not card numbers: one EAN-13 in ten passes the Luhn check,
 * and most start with 2 to 6.
 */
export const isProductCodeField = (name: string): boolean =>
  /(?:^|_)(sku|gtin|ean|upc|isbn|mpn|barcode)s?[_\d]*$/i.test(name.replace(/([a-z\d])(?=[A-Z])/g, '$1_').replace(/[^a-z\d]+/gi, '_'));

/**
 * @internal True for a string or number of 13-19 digits (runs of whitespace,
 * dashes or dots allowed between digit groups) starting as a card number can (22 to
 * 27: Mastercard's 2221-2720 and Mir's 2200-2204; 3 to 6; 81 and 82: UnionPay's
 * and RuPay's; 9792: Troy's) that passes the
 * Luhn check, and for a string holding track data.
 * Whitespace around a string (pasted) counts as none. A number of 17 digits or
 * more is past 2^53 and has lost its last digits (a 17-19 digit card number
 * sent as a JS number): with no Luhn check possible, its length and first
 * digits are enough.
 */
export function isCardNumber(value: string | number): boolean {
  const text = String(value);
  // Track data as a card reader types it into a text field: `%B<number>^...` (track 1), `;<number>=<expiry>...`
  // (track 2, its start sentinel `;` kept or not).
  if (/%B\d{13,19}\^|\d{13,19}=\d{4}/.test(text)) return true;
  if (!/^\s*(?:2[2-7]|[3-6]|8[12]|9792)\d*(?:[\s.-]+\d+)*\s*$/.test(text)) return false;
  const digits = text.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  if (digits.length > 16 && typeof value == 'number') return true;
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = +digits[i]! * (double ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  }
  return sum % 10 == 0;
}
