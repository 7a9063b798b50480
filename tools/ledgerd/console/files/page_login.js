// Log in: the token is typed here, checked with one read, and kept for
// this tab only (sessionStorage). Its role decides whether the refund
// queue shows the approve and deny buttons.

import {logIn, logOut} from "./api.js";
import {h, message} from "./dom.js";

export function renderLogin(view, params, go) {
  logOut();
  const input = h("input", {type: "password", id: "token", name: "token",
                            autocomplete: "off", spellcheck: "false",
                            placeholder: "bearer token"});
  const status = h("div", {id: "login-status"},
      params.reason ? message("error", params.reason) : null);
  const button = h("button", {type: "submit", id: "login-button"}, "Log in");
  const form = h("form", {id: "login-form", class: "card"},
      h("h1", {}, "Log in"),
      h("p", {}, "Type the bearer token you were given for this ledger. " +
                 "It is kept in this browser tab only and forgotten when the tab closes."),
      h("label", {for: "token"}, "Token"), input, button, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = input.value.trim();
    status.replaceChildren(message("info", "Checking the token..."));
    button.disabled = true;
    try {
      const role = await logIn(typed);
      go(params.next || "#/customers", `Logged in as ${role}.`);
    } catch (e) {
      const text = typed === "" && e.status === 401
          ? "No token was typed, and this ledger needs one. Type your token and log in."
          : e.message;
      status.replaceChildren(message("error", text));
    } finally {
      button.disabled = false;
    }
  });
  view.replaceChildren(form);
  input.focus();
}
