// The one way the console builds its pages: elements and text nodes.
// Nothing the server sends is ever parsed as HTML (no innerHTML), so a
// customer id such as <script>alert(1)</script> or "quoted" shows as text.

// h("td", {class: "num"}, "12", child...): an element; strings and numbers
// become text nodes, null and false are skipped, arrays are flattened.
export function h(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "value") {
      node.value = value;
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(child instanceof Node ? child
                                           : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// A table in a box that scrolls sideways on a narrow screen. `columns` are
// {title, numeric?}; each row is an array of cells (text or nodes).
export function table(columns, rows, attributes = {}) {
  return h("div", {class: "table-box"},
      h("table", attributes,
          h("thead", {}, h("tr", {}, columns.map((c) =>
              h("th", {class: c.numeric ? "num" : null, scope: "col"}, c.title)))),
          h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell, i) =>
              h("td", {class: columns[i] && columns[i].numeric ? "num" : null},
                cell)))))));
}

// A definition list of [term, value] pairs: the figures of a page.
export function figures(pairs, attributes = {}) {
  return h("dl", Object.assign({class: "figures"}, attributes),
      pairs.filter(Boolean).map(([term, value, id]) => h("div", {class: "figure"},
          h("dt", {}, term), h("dd", {"data-figure": id || null}, value))));
}

export function message(kind, text) {
  return h("p", {class: `message ${kind}`, role: kind === "error" ? "alert" : "status"},
           text);
}

// "#/customer/<id>": the id percent-encoded, so any id is a safe fragment.
export function customerLink(id) {
  return h("a", {href: `#/customer/${encodeURIComponent(id)}`,
                 class: "customer-id"}, id);
}
