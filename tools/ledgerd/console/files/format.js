// Numbers and money as ledgerctl prints them: credits as plain integers
// (never rounded, never abbreviated), money in minor units written with
// the currency's decimals and its code ("19.99 USD", "500 JPY"), as the
// statements and the event descriptions do.

// ISO 4217 currencies without minor units, and those with three decimals;
// every other currency has two. The same lists as ledgerctl's.
const ZERO_DECIMALS = new Set(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF",
  "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"]);
const THREE_DECIMALS = new Set(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]);

export function currencyExponent(currency) {
  if (ZERO_DECIMALS.has(currency)) return 0;
  if (THREE_DECIMALS.has(currency)) return 3;
  return 2;
}

// An integer from the API (BigInt from parseExactJson; a Number or a
// numeric string are taken too) as a BigInt; absent is 0.
export function big(n) {
  if (n === undefined || n === null) return 0n;
  if (typeof n === "bigint") return n;
  return BigInt(n);
}

export function credits(n) {
  return big(n).toString();
}

export function money(amountMinor, currency) {
  const amount = big(amountMinor);
  const exponent = currencyExponent(currency);
  if (exponent === 0) return `${amount} ${currency}`;
  const scale = exponent === 3 ? 1000n : 100n;
  const sign = amount < 0n ? "-" : "";
  const magnitude = amount < 0n ? -amount : amount;
  const fraction = (magnitude % scale).toString().padStart(exponent, "0");
  return `${sign}${magnitude / scale}.${fraction} ${currency}`;
}

// A list of {currency, amount_minor} as "19.39 USD, 9.99 EUR", or "none".
export function cashList(cash) {
  if (!cash || cash.length === 0) return "none";
  return cash.map((c) => money(c.amount_minor, c.currency)).join(", ");
}

// RFC 3339 of a date typed into an <input type="date"> (midnight UTC), as
// ledgerctl reads a date alone.
export function dateToRfc3339(date) {
  return `${date}T00:00:00Z`;
}

// A datetime-local input's value, read as UTC (the ledger's times are UTC).
export function localInputToRfc3339(value) {
  if (!value) return "";
  return value.length === 16 ? `${value}:00Z` : `${value}Z`;
}

export function isExpired(expiresAt, at) {
  return Boolean(expiresAt) && expiresAt <= at;
}

export function nowRfc3339() {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}
