// The JSON API of ledgerd (docs/contract.md section 14), as the console
// calls it: same origin, the token as a Bearer header, every answer read
// with exact integers, every error turned into a sentence for a person.

import {parseExactJson, stringifyExactJson} from "./json.js";

// The token lives in sessionStorage: this tab only, gone when it closes,
// never in a cookie (nothing sends it but the console's own requests).
const TOKEN_KEY = "ledger-console.token";
const ROLE_KEY = "ledger-console.role";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function role() {
  return sessionStorage.getItem(ROLE_KEY) || "";
}

export function loggedIn() {
  return token() !== null;
}

export function logOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ROLE_KEY);
}

// A writer or an admin may approve and deny refunds; a reader may not.
export function mayWrite() {
  return role() === "writer" || role() === "admin";
}

export class ApiError extends Error {
  constructor(status, code, text) {
    super(text);
    this.status = status;  // the HTTP status, 0 when the server was not reached
    this.code = code;      // the error's code from the body, or ""
  }
}

// Sentences for the HTTP statuses of docs/contract.md section 14.
function explain(status, code, serverMessage, sentToken) {
  const detail = serverMessage ? ` (${serverMessage})` : "";
  switch (status) {
    case 401:
      return sentToken ? `The server refused this token: it is unknown or mistyped${detail}.`
                     : `This ledger needs a token and none was given${detail}.`;
    case 403:
      return `This token's role may not do that${detail}.`;
    case 404:
      return `Not found${detail}.`;
    case 400:
      return `The server refused the request as invalid${detail}.`;
    case 413:
      return `The request is too large for the server${detail}.`;
    case 429:
      return `The server is at its limit of requests in flight; try again in a moment${detail}.`;
    case 503:
      return `The server is shutting down or not ready; try again shortly${detail}.`;
    default:
      return `The server failed (HTTP ${status})${detail}.`;
  }
}

// Calls the API; resolves to the parsed body, rejects with an ApiError
// whose message a person can act on. `tokenOverride` tries a token before
// it is kept (the log-in page).
export async function call(method, path, body, tokenOverride) {
  const headers = {"Accept": "application/json"};
  const bearer = tokenOverride !== undefined ? tokenOverride : token();
  if (bearer) headers["Authorization"] = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, cache: "no-store", credentials: "omit",
      body: body === undefined ? undefined : stringifyExactJson(body),
    });
  } catch (e) {
    throw new ApiError(0, "", "Cannot reach ledgerd: is it running, and is this its address?");
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? parseExactJson(text) : null;
  } catch (e) {
    parsed = null;
  }
  if (!response.ok) {
    const error = parsed && parsed.error ? parsed.error : {};
    throw new ApiError(response.status, error.code || "",
                       explain(response.status, error.code, error.message,
                               Boolean(bearer)));
  }
  if (parsed === null) {
    throw new ApiError(response.status, "", "The server's answer was not JSON.");
  }
  return parsed;
}

export function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

export function customerPath(id, rest) {
  return `/v1/customers/${encodeURIComponent(id)}/${rest}`;
}

// The role of a token, found without changing anything: an endpoint that
// names it when the server has one, else an empty batch of commands, which
// applies nothing: refused 403 for a reader, accepted (or refused as
// invalid) for a writer or an admin. 401 means the token is not known.
async function findRole(candidate) {
  try {
    const who = await call("GET", "/v1/whoami", undefined, candidate);
    if (who && typeof who.role === "string") return who.role;
  } catch (e) {
    if (e.status === 401 || e.status === 0) throw e;
  }
  try {
    await call("POST", "/v1/commands", [], candidate);
    return "writer";
  } catch (e) {
    if (e.status === 403) return "reader";
    if (e.status === 400 || e.status === 413) return "writer";
    throw e;
  }
}

// Checks a token against the server with a read every role may make, then
// keeps it and its role for this tab. Rejects with an ApiError.
export async function logIn(candidate) {
  await call("GET", `/v1/customers${query({limit: 1})}`, undefined, candidate);
  const found = await findRole(candidate);
  sessionStorage.setItem(TOKEN_KEY, candidate);
  sessionStorage.setItem(ROLE_KEY, found);
  return found;
}

// An idempotency key for one decision the console sends. Made once per
// button and kept with it, so a second click or a retry after a lost
// answer is the same command (a duplicate), never a second one.
export function newCommandKey(action) {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `console-${action}-${hex}`;
}
