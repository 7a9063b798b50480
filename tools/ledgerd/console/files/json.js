// JSON with exact integers. The ledger's numbers are int64 (credits up to
// 10^18 in a balance, cash sums wider still in the liability report), past
// the 2^53 a JavaScript number holds exactly, and JSON.parse would round
// them silently. This parser gives every integer as a BigInt and anything
// with a fraction or exponent (the API sends none) as a Number, so the page
// prints each number exactly as ledgerctl does.

export function parseExactJson(text) {
  let i = 0;
  const fail = (what) => {
    throw new SyntaxError(`bad JSON at ${i}: ${what}`);
  };
  const space = () => {
    while (i < text.length && " \t\r\n".includes(text[i])) i++;
  };
  const value = () => {
    space();
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail("unexpected character");
  };
  const object = () => {
    const out = {};
    i++;
    space();
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      space();
      if (text[i] !== '"') fail("expected a key");
      const key = string();
      space();
      if (text[i++] !== ":") fail("expected ':'");
      // Keys become own properties only; "__proto__" must not reach the
      // prototype.
      Object.defineProperty(out, key, {value: value(), enumerable: true,
                                       writable: true, configurable: true});
      space();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i++] !== "}") fail("expected ',' or '}'");
      return out;
    }
  };
  const array = () => {
    const out = [];
    i++;
    space();
    if (text[i] === "]") {
      i++;
      return out;
    }
    for (;;) {
      out.push(value());
      space();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i++] !== "]") fail("expected ',' or ']'");
      return out;
    }
  };
  const string = () => {
    // The standard parser decodes the escapes of one string literal.
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") i++;
      i++;
    }
    if (i >= text.length) fail("unterminated string");
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(
        text.slice(i, i + 400));
    if (!m) fail("bad number");
    i += m[0].length;
    return m[2] || m[3] ? Number(m[0]) : BigInt(m[0]);
  };
  const result = value();
  space();
  if (i !== text.length) fail("text after the value");
  return result;
}

// JSON for a request body: BigInt values written as plain integers.
export function stringifyExactJson(value) {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return "[" + value.map(stringifyExactJson).join(",") + "]";
  if (value !== null && typeof value === "object") {
    return "{" + Object.keys(value)
        .filter((k) => value[k] !== undefined)
        .map((k) => JSON.stringify(k) + ":" + stringifyExactJson(value[k]))
        .join(",") + "}";
  }
  return JSON.stringify(value);
}
