// One customer: the balance of docs/contract.md section 6 as
// `ledgerctl balance --customer ID [--at T]` prints it, laid out for a
// person: the figures, the lots with their scope and expiry, what is
// refundable, alerts and automatic top-up, a chart of the credits that
// expire on each coming date, and the commands the ledger refused for this
// customer (its refusal journal, a page at a time).

import {call, customerPath, query} from "./api.js";
import {barChart} from "./charts.js";
import {big, cashList, credits, isExpired, localInputToRfc3339, nowRfc3339} from "./format.js";
import {figures, h, message, table} from "./dom.js";

function lotsTable(lots, at) {
  const rows = lots.map((lot) => {
    const notes = [];
    if (lot.voided) notes.push("voided");
    else if (isExpired(lot.expires_at, at)) notes.push("expired, not yet swept");
    return [
      lot.lot_id, lot.source, credits(lot.granted), credits(lot.remaining),
      lot.granted_at, lot.expires_at || "never",
      lot.applies_to ? lot.applies_to.join(", ") : "every category",
      lot.priority !== undefined ? credits(lot.priority) : "50",
      notes.join(", "),
    ];
  });
  return table([{title: "lot"}, {title: "source"}, {title: "granted", numeric: true},
                {title: "remaining", numeric: true}, {title: "granted at"},
                {title: "expires"}, {title: "applies to"},
                {title: "priority", numeric: true}, {title: ""}],
               rows, {id: "lots-table"});
}

// How far ahead the chart looks: the balance's `expiring` list covers the
// 30 days after T (ledgerctl balance prints the same list).
const HORIZON_DAYS = 30;

// The credits still in lots (remaining) that expire on each UTC day in
// (T, T + 30 days]: the balance's own `expiring` list, or, from a server
// that sends none, the same sum made here from the lots.
function expiringByDate(balance, at) {
  if (Array.isArray(balance.expiring)) {
    return balance.expiring.map((e) => ({date: e.date, credits: big(e.credits)}));
  }
  const horizon = new Date(Date.parse(at) + HORIZON_DAYS * 86400000)
      .toISOString().replace(/\.\d+Z$/, "Z");
  const byDate = new Map();
  for (const lot of balance.lots || []) {
    if (!lot.expires_at || isExpired(lot.expires_at, at) || lot.expires_at > horizon ||
        big(lot.remaining) === 0n) continue;
    const date = lot.expires_at.slice(0, 10);
    byDate.set(date, (byDate.get(date) || 0n) + big(lot.remaining));
  }
  return [...byDate.keys()].sort().map((date) => ({date, credits: byDate.get(date)}));
}

function expiringSection(balance, at) {
  const dates = expiringByDate(balance, at).filter((e) => e.credits > 0n);
  const body = dates.length === 0
      ? message("info", `No credits expire in the ${HORIZON_DAYS} days after ${at}.`)
      : barChart(dates.map((e) => ({label: e.date, value: e.credits,
                                    title: `${credits(e.credits)} credits expire on ${e.date}`})),
                 {caption: `Credits that expire on each day of the next ${HORIZON_DAYS} days`,
                  unit: "credits"});
  return h("section", {id: "expiring"},
      h("h2", {}, `Credits expiring in the next ${HORIZON_DAYS} days`),
      h("p", {class: "hint"}, "Per UTC day, the credits left in lots that expire that day; " +
                              "credits held or frozen in a refund are not counted until they " +
                              "come back."),
      body);
}

function alertsSection(balance) {
  const alerts = balance.alerts || [];
  const top = balance.auto_top_up;
  return h("section", {id: "alerts"}, h("h2", {}, "Alerts and automatic top-up"),
      alerts.length === 0 ? message("info", "No balance alerts are set.")
          : table([{title: "alert"}, {title: "at or below", numeric: true}, {title: "state"}],
                  alerts.map((a) => [a.code, credits(a.credits),
                                     a.in_alert ? h("strong", {class: "alerting"}, "IN ALERT")
                                                : "not in alert"]),
                  {id: "alerts-table"}),
      top ? figures([
        ["top up when available is at or below", credits(top.below), "top-up-below"],
        ["top up to", credits(top.target), "top-up-target"],
        ["pending request", top.pending
            ? `${top.pending.request_id}: ${credits(top.pending.credits)} credits`
            : "none", "top-up-pending"],
      ]) : message("info", "Automatic top-up is off."));
}

function byCategory(balance) {
  const map = balance.available_by_category;
  if (!map) return null;
  return h("section", {id: "by-category"}, h("h2", {}, "Available by category"),
      h("p", {class: "hint"}, "Some lots only pay for some kinds of usage: " +
                              "what a use of each category could spend now."),
      table([{title: "category"}, {title: "available", numeric: true}],
            Object.entries(map).map(([k, v]) => [k, credits(v)]), {id: "category-table"}));
}

// Refused commands shown a page at a time; "More" appends the next page.
const REFUSALS_PAGE = 20;

// The customer's refused commands (GET /v1/customers/{id}/rejections),
// oldest first, as `ledgerctl rejections --customer ID` lists them. Loaded
// on its own, so a node that cannot read them (another partition's, in a
// cluster) leaves the balance shown and says why here.
function refusalsSection(id) {
  const body = h("div", {id: "refusals-body"}, message("info", "Loading..."));
  const rows = h("tbody", {});
  const pager = h("nav", {class: "pager", id: "refusals-pager"});
  const columns = ["recorded", "kind", "code", "message", "actor"];
  async function load(after) {
    let page;
    try {
      page = await call("GET",
          customerPath(id, `rejections${query({after, limit: REFUSALS_PAGE})}`));
    } catch (e) {
      body.replaceChildren(message("error", `Refused commands: ${e.message}`));
      return;
    }
    const list = page.rejections || [];
    if (!after) {
      if (list.length === 0) {
        body.replaceChildren(
            message("info", "No refused commands are recorded for this customer."));
        return;
      }
      body.replaceChildren(
          h("div", {class: "table-box"},
              h("table", {id: "refusals-table"},
                  h("thead", {}, h("tr", {}, columns.map((c) => h("th", {scope: "col"}, c)))),
                  rows)),
          pager);
    }
    for (const r of list) {
      rows.appendChild(h("tr", {},
          h("td", {}, r.recorded_at), h("td", {}, r.kind || "-"),
          h("td", {}, h("code", {}, r.code)), h("td", {}, r.message),
          h("td", {}, r.actor || "-")));
    }
    const next = page.next_after;
    pager.replaceChildren(next !== null && next !== undefined
        ? h("button", {type: "button", id: "refusals-more", onclick: () => {
              pager.replaceChildren(message("info", "Loading..."));
              load(next);
            }},
            "More refused commands")
        : h("span", {class: "hint", id: "end-of-refusals"}, "End of the refused commands."));
  }
  load("");
  return h("section", {id: "refusals"}, h("h2", {}, "Refused commands"),
      h("p", {class: "hint"}, "Commands the ledger rejected for this customer, oldest first, " +
        "with the rejection code and who sent them; kept for the ledger's refusal retention " +
        "and never part of its history."),
      body);
}

export async function renderCustomer(view, params) {
  const id = params.id;
  const atInput = h("input", {type: "datetime-local", id: "at", step: "1",
                              value: params.at ? params.at.replace(/Z$/, "") : ""});
  const form = h("form", {class: "inline-form"},
      h("label", {for: "at"}, "Balance as of (UTC, empty for now)"), atInput,
      h("button", {type: "submit"}, "Show"));
  const body = h("div", {id: "customer-body"}, message("info", "Loading..."));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const at = localInputToRfc3339(atInput.value);
    location.hash = `#/customer/${encodeURIComponent(id)}${query({at})}`;
  });
  view.replaceChildren(
      h("h1", {}, "Customer ", h("span", {class: "customer-id", id: "customer-name"}, id)),
      h("nav", {class: "subnav"},
          h("a", {href: `#/history/${encodeURIComponent(id)}`, id: "history-link"}, "History"),
          h("a", {href: "#/refunds"}, "Pending refunds")),
      form, body);

  let balance;
  try {
    balance = await call("GET", customerPath(id, `balance${query({at: params.at})}`));
  } catch (e) {
    // A customer the ledger does not know may still have refused commands
    // (a use before any purchase, say): they are shown below.
    body.replaceChildren(message("error", e.status === 404
        ? `No balance of "${id}": ${e.message}` : e.message),
        e.status === 404 ? refusalsSection(id) : null);
    return;
  }
  const at = params.at || nowRfc3339();
  const refundable = balance.refundable || {credits: 0n, cash: []};
  const sub = balance.subscription;
  body.replaceChildren(
      figures([
        ["status", balance.status, "status"],
        ["available", credits(balance.available), "available"],
        ["held for calls in progress", credits(balance.held), "held"],
        ["frozen in pending refunds", credits(balance.refund_pending), "refund_pending"],
        ["refundable credits", credits(refundable.credits), "refundable-credits"],
        ["refundable cash", cashList(refundable.cash), "refundable-cash"],
        sub ? ["subscription", `${sub.plan}, period ends ${sub.period_end}` +
                               (sub.cancelled ? ", cancelled" : ""), "subscription"]
            : null,
      ], {id: "balance-figures"}),
      h("p", {class: "hint"}, `As of ${params.at || "now"}. ` +
        "Held credits are reserved by holds for calls in progress; they return to " +
        "their lots on release or leave on capture. The same figures as " +
        "`ledgerctl balance --customer ID" + (params.at ? " --at T" : "") + "`."),
      h("section", {id: "lots"}, h("h2", {}, "Lots"),
        h("p", {class: "hint"}, "In the order credits are spent: lower priority first, " +
                                "then earliest expiry."),
        (balance.lots || []).length ? lotsTable(balance.lots, at)
                                    : message("info", "No lots.")),
      byCategory(balance),
      expiringSection(balance, at),
      alertsSection(balance),
      refusalsSection(id));
}
