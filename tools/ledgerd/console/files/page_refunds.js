// The queue of pending refunds (GET /v1/refunds?state=PENDING, the rows of
// `ledgerctl refunds --state PENDING`), oldest first. A writer or an admin
// approves or denies each with the commands of docs/contract.md section 4
// (approve_refund, deny_refund) through POST /v1/commands; a reader sees
// the queue without the buttons (and the server refuses a reader's
// command with 403 whatever the page shows).

import {call, mayWrite, newCommandKey, query, role} from "./api.js";
import {credits, money} from "./format.js";
import {customerLink, h, message, table} from "./dom.js";

// The cash approving would pay back: `cash` ({currency, amount_minor}) as
// the API sends it; `cash_minor` and `currency` side by side as
// `ledgerctl refunds --format json` writes a row.
function cashAtStake(r) {
  if (r.cash && r.cash.currency) return money(r.cash.amount_minor, r.cash.currency);
  if (r.cash_minor !== undefined && r.currency) return money(r.cash_minor, r.currency);
  return "not given";
}

// When the purchase's refund window ends (API: window_ends_at; ledgerctl
// refunds: window_ends).
function windowEnds(r) {
  return r.window_ends_at || r.window_ends || "not given";
}

async function decide(refund, kind, extra, status, reload) {
  const command = {key: refund.keys[kind], customer: refund.customer};
  command[kind] = Object.assign({refund_id: refund.refund_id}, extra);
  status.replaceChildren(message("info", `Sending ${kind} for ${refund.refund_id}...`));
  try {
    const result = await call("POST", "/v1/commands", command);
    if (result.status === "ACCEPTED") {
      status.replaceChildren(message("ok",
          `${kind === "approve_refund" ? "Approved" : "Denied"} refund ${refund.refund_id} ` +
          `of ${refund.customer} (event ${credits(result.seq)}` +
          (result.duplicate ? ", already done before" : "") + ")."));
    } else {
      status.replaceChildren(message("error",
          `The ledger refused: ${result.code}: ${result.message || ""}`));
    }
    await reload(status);
  } catch (e) {
    status.replaceChildren(message("error", e.message));
  }
}

function actions(refund, status, reload) {
  if (!mayWrite()) return h("span", {class: "hint"}, "read only");
  const cell = h("div", {class: "actions"});
  const reason = h("input", {type: "text", maxlength: "256", placeholder: "reason (optional)",
                             class: "deny-reason", "aria-label": "reason for the denial"});
  const show = (...nodes) => cell.replaceChildren(...nodes);
  const initial = () => show(
      h("button", {type: "button", class: "approve", onclick: () => show(
          h("button", {type: "button", class: "confirm-approve", onclick: (ev) => {
            ev.target.disabled = true;
            decide(refund, "approve_refund", {}, status, reload);
          }}, `Confirm: pay back ${refund.cashText}`),
          h("button", {type: "button", class: "cancel", onclick: initial}, "Cancel"))},
        "Approve"),
      h("button", {type: "button", class: "deny", onclick: () => show(
          reason,
          h("button", {type: "button", class: "confirm-deny", onclick: (ev) => {
            ev.target.disabled = true;
            const text = reason.value.trim();
            decide(refund, "deny_refund", text ? {reason: text} : {}, status, reload);
          }}, "Confirm denial"),
          h("button", {type: "button", class: "cancel", onclick: initial}, "Cancel"))},
        "Deny"));
  initial();
  return cell;
}

export async function renderRefunds(view, params) {
  const after = params.after || "";
  const status = h("div", {id: "refund-status"});
  const body = h("div", {id: "refunds-body"}, message("info", "Loading..."));
  view.replaceChildren(
      h("h1", {}, "Pending refunds"),
      h("p", {class: "hint"}, "Each refund froze the credits left in a purchase; approving " +
        "pays back floor(price x frozen / granted) in cash and the credits leave, denying " +
        "returns them to the purchase. Oldest request first. " +
        (mayWrite() ? `Your token (${role()}) may approve and deny.`
                    : `Your token (${role() || "unknown role"}) may only read.`)),
      status, body);
  // Keys are kept per refund for the life of the page, so a second click or
  // a retry after a lost answer sends the same command again.
  const keys = new Map();
  const reload = async (keepStatus) => {
    let page;
    try {
      page = await call("GET", `/v1/refunds${query({state: "PENDING", after})}`);
    } catch (e) {
      body.replaceChildren(message("error", e.message));
      return;
    }
    const refunds = page.refunds || [];
    const rows = refunds.map((r) => {
      const id = `${r.customer}\u0000${r.refund_id}`;
      if (!keys.has(id)) {
        keys.set(id, {approve_refund: newCommandKey("approve"),
                      deny_refund: newCommandKey("deny")});
      }
      const refund = {customer: r.customer, refund_id: r.refund_id, keys: keys.get(id),
                      cashText: cashAtStake(r)};
      return [customerLink(r.customer), r.refund_id, r.purchase_id || "",
              credits(r.credits), refund.cashText, r.requested_at || r.at || "",
              windowEnds(r), actions(refund, keepStatus || status, reload)];
    });
    body.replaceChildren(rows.length === 0
        ? message("info", "No refund is waiting for a decision.")
        : table([{title: "customer"}, {title: "refund"}, {title: "purchase"},
                 {title: "credits frozen", numeric: true}, {title: "cash at stake"},
                 {title: "requested at"}, {title: "refund window ends"}, {title: ""}],
                rows, {id: "refunds-table"}),
        h("nav", {class: "pager"},
            after ? h("a", {href: "#/refunds", id: "first-page"}, "First page") : null,
            page.next_after !== null && page.next_after !== undefined
                ? h("a", {href: `#/refunds${query({after: page.next_after})}`, id: "next-page"},
                    "Next page")
                : null));
  };
  await reload(status);
}
