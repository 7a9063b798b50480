// The console's router: one page, a route per hash ("#/customers",
// "#/customer/ID", "#/history/ID", "#/refunds", "#/liability", "#/login").
// Every route but the log-in page needs a token; without one it sends the
// reader to log in with a message saying so.

import {logOut, loggedIn, role} from "./api.js";
import {h} from "./dom.js";
import {renderCustomer} from "./page_customer.js";
import {renderCustomers} from "./page_customers.js";
import {renderHistory} from "./page_history.js";
import {renderLiability} from "./page_liability.js";
import {renderLogin} from "./page_login.js";
import {renderRefunds} from "./page_refunds.js";

const main = document.getElementById("view");
const session = document.getElementById("session");

// "#/customer/a%3Cb?at=T" -> {path: ["customer", "a<b"], params: {at: "T"}}
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [pathPart, queryPart] = hash.split("?", 2);
  const path = pathPart.split("/").filter((p) => p !== "").map(decodeURIComponent);
  const params = {};
  for (const [k, v] of new URLSearchParams(queryPart || "")) params[k] = v;
  return {path, params};
}

let flash = "";

function go(hash, note) {
  flash = note || "";
  if (location.hash === hash) route();
  else location.hash = hash;
}

function showSession() {
  session.replaceChildren(loggedIn()
      ? h("span", {}, h("span", {id: "role"}, `role: ${role()}`), " ",
          h("button", {type: "button", id: "logout", onclick: () => {
            logOut();
            go("#/login", "");
          }}, "Log out"))
      : h("a", {href: "#/login"}, "Log in"));
}

const ROUTES = {
  customers: (view, p) => renderCustomers(view, p.params, go),
  customer: (view, p) => renderCustomer(view, Object.assign({id: p.path[1]}, p.params)),
  history: (view, p) => renderHistory(view, Object.assign({id: p.path[1]}, p.params)),
  refunds: (view, p) => renderRefunds(view, p.params),
  liability: (view, p) => renderLiability(view, p.params, go),
};

// Each route renders into a fresh element: a page still waiting for its
// answer when the reader moves on writes into an element no longer shown,
// never over the page that replaced it.
async function route() {
  const view = document.createElement("div");
  main.replaceChildren(view);
  const parsed = parseHash();
  const name = parsed.path[0] || "customers";
  for (const link of document.querySelectorAll("#mainnav a")) {
    link.classList.toggle("current", link.dataset.route === name);
  }
  if (name === "login") {
    renderLogin(view, parsed.params, go);  // forgets the token first
    showSession();
    return;
  }
  if (!loggedIn()) {
    showSession();
    renderLogin(view, {reason: "No token yet: log in with your token to use the console.",
                       next: location.hash}, go);
    return;
  }
  showSession();
  const render = ROUTES[name];
  const note = flash;
  flash = "";
  if (!render || ((name === "customer" || name === "history") && !parsed.path[1])) {
    view.replaceChildren(h("h1", {}, "Not a page of the console"),
                         h("p", {}, h("a", {href: "#/customers"}, "Find a customer")));
    return;
  }
  await render(view, parsed);
  if (note) view.prepend(h("p", {class: "message ok", role: "status"}, note));
}

window.addEventListener("hashchange", route);
route();
