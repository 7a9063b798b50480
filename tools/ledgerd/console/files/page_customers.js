// Find a customer: ids in order from a prefix, a page at a time
// (GET /v1/customers?after=&limit=, the list `ledgerctl customers` prints).

import {call, query} from "./api.js";
import {credits} from "./format.js";
import {customerLink, h, message, table} from "./dom.js";

const PAGE = 25;

// Customer ids are 1-64 characters of [A-Za-z0-9._:-], ordered by their
// bytes. The largest id below `prefix` is where a page of ids starting with
// it begins (`after` is exclusive, so the prefix itself is listed if it is
// an id).
const ALPHABET = "-.0123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

export function idBefore(prefix) {
  if (prefix === "") return "";
  const last = prefix[prefix.length - 1];
  const head = prefix.slice(0, -1);
  const at = ALPHABET.indexOf(last);
  if (at <= 0) return head;  // "-" is the smallest: the id before is the head
  return (head + ALPHABET[at - 1]).padEnd(64, "z");
}

export async function renderCustomers(view, params, go) {
  const prefix = params.prefix || "";
  const after = params.after !== undefined ? params.after : idBefore(prefix);
  const input = h("input", {type: "search", id: "prefix", value: prefix,
                            placeholder: "customer id or its start",
                            autocomplete: "off", spellcheck: "false"});
  const form = h("form", {id: "find-form", class: "inline-form"},
      h("label", {for: "prefix"}, "Customer id starts with"), input,
      h("button", {type: "submit"}, "Find"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go(`#/customers${query({prefix: input.value.trim()})}`);
  });
  const results = h("div", {id: "customer-results"}, message("info", "Loading..."));
  view.replaceChildren(h("h1", {}, "Find a customer"), form, results);
  if (!/^[A-Za-z0-9._:-]{0,64}$/.test(prefix)) {
    results.replaceChildren(message("error",
        `No customer id starts with "${prefix}": ids are at most 64 letters, ` +
        "digits and . _ : - characters."));
    return;
  }

  let page;
  try {
    page = await call("GET", `/v1/customers${query({after, limit: PAGE})}`);
  } catch (e) {
    results.replaceChildren(message("error", e.message));
    return;
  }
  const matching = page.customers.filter((c) => c.customer.startsWith(prefix));
  // Past the last id with the prefix the list has nothing more to show.
  const more = page.next_after !== null && page.next_after !== undefined &&
      matching.length === page.customers.length;
  const rows = matching.map((c) => [
    customerLink(c.customer), c.status, credits(c.available),
    h("a", {href: `#/history/${encodeURIComponent(c.customer)}`}, "history"),
  ]);
  results.replaceChildren(
      rows.length === 0
          ? message("info", prefix ? `No customer id starts with "${prefix}".`
                                   : "The ledger has no customers yet.")
          : table([{title: "customer"}, {title: "status"},
                   {title: "available", numeric: true}, {title: ""}],
                  rows, {id: "customer-table"}),
      h("nav", {class: "pager"},
          after !== idBefore(prefix)
              ? h("a", {href: `#/customers${query({prefix})}`, id: "first-page"}, "First page")
              : null,
          more ? h("a", {href: `#/customers${query({prefix, after: page.next_after})}`,
                         id: "next-page"}, "Next page")
               : null));
}
