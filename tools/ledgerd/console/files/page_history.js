// A customer's history: their events, oldest first, a page at a time
// (GET /v1/customers/{id}/events?from_seq=&limit=), each with the command
// as the ledger recorded it and its journal entry (the postings), the
// objects `ledgerctl export` writes.

import {call, customerPath, query} from "./api.js";
import {credits} from "./format.js";
import {h, message, table} from "./dom.js";

const PAGE = 20;

// The command's own fields ("credits: 60, category: AI_PROCESSING"), the
// kind's object of docs/contract.md section 4.
function details(event) {
  const command = event.command || {};
  const body = command[event.kind];
  const parts = [];
  if (body && typeof body === "object") {
    for (const [k, v] of Object.entries(body)) {
      parts.push(`${k}: ${Array.isArray(v) ? v.map(show).join(", ") : show(v)}`);
    }
  }
  if (command.metadata) {
    for (const [k, v] of Object.entries(command.metadata)) parts.push(`metadata ${k}: ${v}`);
  }
  return parts.join("; ");
}

function show(v) {
  if (typeof v === "bigint") return v.toString();
  if (v !== null && typeof v === "object") {
    return "{" + Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`).join(", ") + "}";
  }
  return String(v);
}

function followUps(event) {
  const parts = [];
  for (const a of event.alerts || []) {
    parts.push(`alert ${a.code} (${credits(a.credits)}) ${a.state}`);
  }
  if (event.top_up) {
    parts.push(`top-up ${event.top_up.request_id} of ${credits(event.top_up.credits)} credits requested`);
  }
  return parts.length ? h("div", {class: "follow-ups"}, parts.join("; ")) : null;
}

function postings(event) {
  const list = event.postings || [];
  if (list.length === 0) return h("span", {class: "hint"}, "no journal lines");
  return h("table", {class: "postings"},
      h("tbody", {}, list.map((p) => h("tr", {},
          h("td", {}, p.account), h("td", {}, p.unit),
          h("td", {class: "num"}, credits(p.amount))))));
}

export async function renderHistory(view, params) {
  const id = params.id;
  const from = params.from_seq || "";
  const body = h("div", {id: "history-body"}, message("info", "Loading..."));
  view.replaceChildren(
      h("h1", {}, "History of ", h("span", {class: "customer-id", id: "customer-name"}, id)),
      h("nav", {class: "subnav"},
          h("a", {href: `#/customer/${encodeURIComponent(id)}`, id: "balance-link"}, "Balance")),
      h("p", {class: "hint"}, "Every event of this customer, oldest first, with the " +
        "journal lines it wrote (debits positive, credits negative; cash in minor units), " +
        "as `ledgerctl export` writes them."),
      body);
  let page;
  try {
    page = await call("GET", customerPath(id, `events${query({from_seq: from, limit: PAGE})}`));
  } catch (e) {
    body.replaceChildren(message("error", e.status === 404
        ? `No history of "${id}": ${e.message}` : e.message));
    return;
  }
  const events = page.events || [];
  const next = page.next_from_seq;
  const base = `#/history/${encodeURIComponent(id)}`;
  body.replaceChildren(
      events.length === 0 ? message("info", "No events on this page.")
          : table([{title: "seq", numeric: true}, {title: "at"}, {title: "what"},
                   {title: "details"}, {title: "journal"}],
                  events.map((e) => [
                    credits(e.seq),
                    h("div", {}, e.at, e.recorded_at
                        ? h("div", {class: "hint"}, `recorded ${e.recorded_at}`) : null),
                    h("div", {}, h("strong", {}, e.kind),
                      h("div", {class: "hint"}, `key ${e.key}`),
                      e.actor ? h("div", {class: "hint"}, `by ${e.actor}`) : null),
                    h("div", {}, details(e), followUps(e)),
                    postings(e),
                  ]), {id: "events-table"}),
      h("nav", {class: "pager"},
          from ? h("a", {href: base, id: "first-page"}, "First page") : null,
          next !== null && next !== undefined
              ? h("a", {href: `${base}${query({from_seq: next})}`, id: "next-page"}, "Next page")
              : h("span", {class: "hint", id: "end-of-history"}, "End of the history.")));
}
