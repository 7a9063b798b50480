// The liability report for a period (GET /v1/liability?from=&to=, the
// report `ledgerctl liability --from T1 --to T2` prints): per unit, what
// was owed at the start, how it moved, and what is owed at the end, with
// a waterfall chart of the flows of one unit.

import {call, query} from "./api.js";
import {waterfallChart} from "./charts.js";
import {big, credits, dateToRfc3339} from "./format.js";
import {h, message, table} from "./dom.js";

// The rows of the report, in the order of the identity
// opening + granted - used - expired - forfeited - voided - refunded -
// charged_back = closing.
const FLOWS = [
  ["granted", "in"], ["used", "out"], ["expired", "out"], ["forfeited", "out"],
  ["voided", "out"], ["refunded", "out"], ["charged_back", "out"],
];
const COLUMNS = ["opening", ...FLOWS.map(([name]) => name), "closing", "refund_rounding"];

function addsUp(unit) {
  let total = big(unit.opening);
  for (const [name, way] of FLOWS) total += way === "in" ? big(unit[name]) : -big(unit[name]);
  return total === big(unit.closing);
}

function firstOfMonth(offset) {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  return d.toISOString().slice(0, 10);
}

function describeUnit(name) {
  return name.startsWith("CREDITS:") ? `credits of ${name.slice(8).toLowerCase()} lots`
                                     : `${name} cash, in minor units at cost basis`;
}

function chartFor(unit) {
  const steps = [{label: "opening", value: big(unit.opening), kind: "total"}];
  for (const [name, way] of FLOWS) {
    if (big(unit[name]) !== 0n) steps.push({label: name, value: big(unit[name]), kind: way});
  }
  steps.push({label: "closing", value: big(unit.closing), kind: "total"});
  return waterfallChart(steps, {caption: `How ${unit.unit} moved in the period`});
}

export async function renderLiability(view, params, go) {
  const from = params.from || firstOfMonth(0);
  const to = params.to || firstOfMonth(1);
  const fromInput = h("input", {type: "date", id: "from", value: from.slice(0, 10)});
  const toInput = h("input", {type: "date", id: "to", value: to.slice(0, 10)});
  const form = h("form", {id: "period-form", class: "inline-form"},
      h("label", {for: "from"}, "From (included)"), fromInput,
      h("label", {for: "to"}, "to (excluded)"), toInput,
      h("button", {type: "submit"}, "Show report"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go(`#/liability${query({from: fromInput.value, to: toInput.value})}`);
  });
  const body = h("div", {id: "liability-body"}, message("info", "Loading..."));
  view.replaceChildren(h("h1", {}, "Liability report"),
      h("p", {class: "hint"}, "What the platform owes its customers: unused credits per " +
        "lot source, and the cash paid for purchase lots (in minor units at cost basis, " +
        "as `ledgerctl liability` prints them). Events dated from the first day, " +
        "midnight UTC, to the second, excluded."),
      form, body);
  const t1 = from.length === 10 ? dateToRfc3339(from) : from;
  const t2 = to.length === 10 ? dateToRfc3339(to) : to;
  let report;
  try {
    report = await call("GET", `/v1/liability${query({from: t1, to: t2})}`);
  } catch (e) {
    body.replaceChildren(message("error", e.message));
    return;
  }
  const units = report.units || [];
  const rows = units.map((u) => [
    h("span", {title: describeUnit(u.unit)}, u.unit),
    ...COLUMNS.map((c) => credits(u[c])),
    addsUp(u) ? "adds up" : h("strong", {class: "alerting"}, "DOES NOT ADD UP"),
  ]);
  const moving = units.filter((u) => COLUMNS.some((c) => big(u[c]) !== 0n));
  const select = h("select", {id: "chart-unit", "aria-label": "unit of the chart"},
      moving.map((u) => h("option", {value: u.unit}, u.unit)));
  const chartBox = h("div", {id: "liability-chart"});
  const drawChart = () => {
    const unit = moving.find((u) => u.unit === select.value);
    chartBox.replaceChildren(unit ? chartFor(unit) : message("info", "Nothing moved."));
  };
  select.addEventListener("change", drawChart);
  body.replaceChildren(
      h("p", {}, `From ${report.from} to ${report.to}.`),
      units.length === 0 ? message("info", "Nothing was owed or moved in this period.")
          : table([{title: "unit"}, ...COLUMNS.map((c) => ({title: c.replace("_", " "),
                                                           numeric: true})),
                   {title: "check"}], rows, {id: "liability-table"}),
      h("p", {class: "hint"}, "opening + granted - used - expired - forfeited - voided - " +
        "refunded - charged back = closing, per unit. refund rounding is the part of " +
        "refunded not paid back in cash."),
      h("section", {}, h("h2", {}, "Flows"),
        moving.length ? h("label", {}, "Unit ", select) : null, chartBox));
  if (moving.length) drawChart();
  else chartBox.replaceChildren(message("info", "Nothing was owed or moved in this period."));
}
