// Two small SVG charts drawn here rather than with a library: bars of the
// credits that expire on each date, and a waterfall of a liability unit's
// flows. Heights are scaled from BigInt to pixels only; every number a
// person reads is the exact integer, in a label and in the table beside.

import {credits} from "./format.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes || {})) node.setAttribute(k, String(v));
  for (const child of children) {
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

// A fraction of `max` as a pixel length, without losing a BigInt's
// precision where it matters (the ratio, not the integer).
function scale(value, max, pixels) {
  if (max === 0n) return 0;
  const permille = Number((value * 100000n) / max);
  return (permille / 100000) * pixels;
}

// bars: [{label, value (BigInt), title}]. A labelled vertical bar each.
export function barChart(bars, {caption, unit}) {
  const width = Math.max(320, bars.length * 72);
  const height = 180;
  const top = 24;
  const bottom = 36;
  const max = bars.reduce((m, b) => (b.value > m ? b.value : m), 0n);
  const slot = width / Math.max(1, bars.length);
  const chart = svg("svg", {viewBox: `0 0 ${width} ${height}`, class: "chart",
                            role: "img", "aria-label": caption});
  chart.appendChild(svg("title", {}, caption));
  bars.forEach((b, i) => {
    const barHeight = scale(b.value, max, height - top - bottom);
    const x = i * slot + slot * 0.2;
    const y = height - bottom - barHeight;
    const group = svg("g", {class: "bar"});
    group.appendChild(svg("title", {}, b.title || `${b.label}: ${credits(b.value)} ${unit}`));
    group.appendChild(svg("rect", {x, y, width: slot * 0.6, height: Math.max(barHeight, 1)}));
    group.appendChild(svg("text", {x: x + slot * 0.3, y: y - 6, class: "value"},
                          credits(b.value)));
    group.appendChild(svg("text", {x: x + slot * 0.3, y: height - bottom + 16,
                                   class: "label"}, b.label));
    chart.appendChild(group);
  });
  chart.appendChild(svg("line", {x1: 0, x2: width, y1: height - bottom,
                                 y2: height - bottom, class: "axis"}));
  return chart;
}

// steps: [{label, value (BigInt), kind: "total" | "in" | "out"}]: a
// waterfall from the opening to the closing balance, each flow a floating
// bar from the running total.
export function waterfallChart(steps, {caption}) {
  const width = Math.max(360, steps.length * 78);
  const height = 220;
  const top = 24;
  const bottom = 40;
  let running = 0n;
  let max = 0n;
  const spans = steps.map((s) => {
    let from;
    let to;
    if (s.kind === "total") {
      from = 0n;
      to = s.value;
      running = s.value;
    } else if (s.kind === "in") {
      from = running;
      to = running + s.value;
      running = to;
    } else {
      from = running - s.value;
      to = running;
      running = from;
    }
    for (const v of [from, to]) if (v > max) max = v;
    return {from, to};
  });
  const plot = height - top - bottom;
  const slot = width / Math.max(1, steps.length);
  const chart = svg("svg", {viewBox: `0 0 ${width} ${height}`, class: "chart waterfall",
                            role: "img", "aria-label": caption});
  chart.appendChild(svg("title", {}, caption));
  steps.forEach((s, i) => {
    const low = spans[i].from < spans[i].to ? spans[i].from : spans[i].to;
    const high = spans[i].from < spans[i].to ? spans[i].to : spans[i].from;
    const yHigh = height - bottom - scale(high < 0n ? 0n : high, max, plot);
    const yLow = height - bottom - scale(low < 0n ? 0n : low, max, plot);
    const x = i * slot + slot * 0.15;
    const sign = s.kind === "out" ? "-" : s.kind === "in" ? "+" : "";
    const group = svg("g", {class: `bar ${s.kind}`});
    group.appendChild(svg("title", {}, `${s.label}: ${sign}${credits(s.value)}`));
    group.appendChild(svg("rect", {x, y: yHigh, width: slot * 0.7,
                                   height: Math.max(yLow - yHigh, 1)}));
    group.appendChild(svg("text", {x: x + slot * 0.35, y: yHigh - 6, class: "value"},
                          `${sign}${credits(s.value)}`));
    group.appendChild(svg("text", {x: x + slot * 0.35, y: height - bottom + 16,
                                   class: "label"}, s.label));
    chart.appendChild(group);
  });
  chart.appendChild(svg("line", {x1: 0, x2: width, y1: height - bottom,
                                 y2: height - bottom, class: "axis"}));
  return chart;
}
