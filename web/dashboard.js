// dashboard.js: the broker's live dashboard, an ES module with no
// dependencies and no build step, served by the broker at /dashboard.js
// for its page at /.
//
// It polls /api/stats (a snapshot of the broker, labelled as /metrics
// labels it) every POLL_MS, keeps the snapshots of the last WINDOW_MS in
// memory, and draws queue depths and message rates with SVG. Rates are the
// differences of the broker's counters between two snapshots. It only
// reads; every value reaches the page through textContent or an SVG
// attribute, never as markup.

const POLL_MS = 1000;
const WINDOW_MS = 5 * 60 * 1000;
const MIN_SPAN_MS = 10 * 1000;
const MAX_LINES = 6; // commands drawn in the depth chart, the deepest first
const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#2f6fde", "#e0592a", "#23864a", "#8e44ad", "#b7791f", "#17a2b8", "#c62f2f", "#5a6375"];
const fmt = new Intl.NumberFormat();
const fmtRate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** Snapshots of the window, oldest first: { t, totals, cmds: Map(name -> sums) }. */
const history = [];
/** Colours given to commands, kept while the page lives. */
const colours = new Map();

const $ = (id) => document.getElementById(id);

function colour(name) {
  if (!colours.has(name)) colours.set(name, PALETTE[colours.size % PALETTE.length]);
  return colours.get(name);
}

function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

// sums adds up a command's groups.
function sums(c) {
  const s = { published: c.published, subscribers: 0, pending: 0, inFlight: 0, deadLetters: 0, delivered: 0, errors: 0 };
  for (const g of c.groups) {
    s.subscribers += g.subscribers;
    s.pending += g.pending;
    s.inFlight += g.inFlight;
    s.deadLetters += g.deadLetters;
    s.delivered += g.delivered;
    s.errors += g.errors;
  }
  return s;
}

// rate is the per-second change of counter field between two snapshots'
// values a and b (undefined: the command was not there).
function rate(a, b, field, dt) {
  if (!a || !b || dt <= 0) return 0;
  return Math.max(0, (b[field] - a[field]) / dt);
}

// previous is the snapshot about one poll before the newest.
function previous() {
  return history.length >= 2 ? history[history.length - 2] : null;
}

function record(stats) {
  const cmds = new Map();
  for (const c of stats.commands) cmds.set(c.command, sums(c));
  const snap = { t: stats.time, cmds };
  history.push(snap);
  while (history.length > 2 && snap.t - history[0].t > WINDOW_MS) history.shift();
}

function renderHeader(stats, ok) {
  if (stats) setText("address", stats.address);
  const state = $("state");
  const text = !ok ? "unreachable" : stats.ready ? "ready" : stats.status;
  if (state.textContent !== text) state.textContent = text;
  state.className = "badge " + (ok && stats.ready ? "ok" : "bad");
  setText("updated", ok ? "updated " + new Date(stats.time).toLocaleTimeString() : "retrying…");
}

function renderCards(stats) {
  const t = stats.totals;
  setText("total-commands", fmt.format(t.commands));
  setText("total-subscribers", fmt.format(t.subscribers));
  setText("total-pending", fmt.format(t.pending));
  setText("total-inflight", fmt.format(t.inFlight));
  setText("total-dead", fmt.format(t.deadLetters));
  $("card-dead").classList.toggle("alert", t.deadLetters > 0);
  setText("total-conns", fmt.format(stats.connections.go) + " / " + fmt.format(stats.connections.browser));
}

// el makes an element (in the SVG namespace for svg) with attributes.
function el(tag, attrs = {}, svg = false) {
  const e = svg ? document.createElementNS(SVG, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

// span is the time the charts cover, ending at now: the history kept, at
// least MIN_SPAN_MS, at most WINDOW_MS. A page just opened draws what it
// has across the whole width.
function span(now) {
  const first = history.length ? history[0].t : now;
  return Math.min(WINDOW_MS, Math.max(MIN_SPAN_MS, now - first));
}

// ago labels a span: "−40 s", "−5 min".
function ago(ms) {
  return ms < 90000 ? `−${Math.round(ms / 1000)} s` : `−${Math.round(ms / 60000)} min`;
}

// chart draws lines (each { name, colour, points: [[t, v]] }) into the svg
// with the id, over the span ending at now.
function chart(id, lines, now) {
  const svg = $(id);
  const w = svg.clientWidth || 500, h = svg.clientHeight || 180;
  const left = 44, right = 8, top = 8, bottom = 20;
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.replaceChildren();
  let max = 1;
  for (const l of lines) for (const [, v] of l.points) max = Math.max(max, v);
  max = niceCeil(max);
  const sp = span(now);
  const x = (t) => left + (w - left - right) * (1 - (now - t) / sp);
  const y = (v) => top + (h - top - bottom) * (1 - v / max);
  for (const f of [0, 0.5, 1]) {
    const v = max * f;
    svg.append(el("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), stroke: "#e3e6ec" }, true));
    const label = el("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, true);
    label.textContent = fmtRate.format(v);
    svg.append(label);
  }
  for (const [t, text] of [[now - sp, ago(sp)], [now, "now"]]) {
    const label = el("text", { x: x(t), y: h - 4, "text-anchor": t === now ? "end" : "start" }, true);
    label.textContent = text;
    svg.append(label);
  }
  for (const l of lines) {
    if (l.points.length === 0) continue;
    const d = l.points.map(([t, v], i) => `${i ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join("");
    svg.append(el("path", { d, fill: "none", stroke: l.colour, "stroke-width": 2, "stroke-linejoin": "round" }, true));
  }
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function legend(id, lines) {
  const box = $(id);
  box.replaceChildren(...lines.map((l) => {
    const s = el("span");
    s.style.setProperty("--swatch", l.colour);
    s.textContent = l.name;
    return s;
  }));
}

// depthLines is the depth over the window of the deepest commands now.
function depthLines(stats) {
  const names = stats.commands
    .map((c) => ({ name: c.command, depth: depth(history[history.length - 1].cmds.get(c.command)) }))
    .sort((a, b) => b.depth - a.depth || a.name.localeCompare(b.name))
    .slice(0, MAX_LINES)
    .map((c) => c.name);
  return names.map((name) => ({
    name: label(name),
    colour: colour(name),
    points: history.filter((s) => s.cmds.has(name)).map((s) => [s.t, depth(s.cmds.get(name))]),
  }));
}

function depth(s) {
  return s ? s.pending + s.inFlight : 0;
}

// rateLines is the broker's total publish and delivery rates over the window.
function rateLines() {
  const pub = [], del = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1], b = history[i], dt = (b.t - a.t) / 1000;
    let p = 0, d = 0;
    for (const [name, s] of b.cmds) {
      p += rate(a.cmds.get(name), s, "published", dt);
      d += rate(a.cmds.get(name), s, "delivered", dt);
    }
    pub.push([b.t, p]);
    del.push([b.t, d]);
  }
  return [
    { name: "published", colour: "#2f6fde", points: pub },
    { name: "delivered", colour: "#23864a", points: del },
  ];
}

function label(name) {
  return name === "" ? "(default)" : name;
}

// sparkline draws a command's depth over the span.
function sparkline(name, now) {
  const svg = el("svg", { viewBox: "0 0 120 24", preserveAspectRatio: "none" }, true);
  const pts = history.filter((s) => s.cmds.has(name)).map((s) => [s.t, depth(s.cmds.get(name))]);
  const sp = span(now);
  let max = 1;
  for (const [, v] of pts) max = Math.max(max, v);
  if (pts.length > 0) {
    const d = pts.map(([t, v], i) =>
      `${i ? "L" : "M"}${(120 * (1 - (now - t) / sp)).toFixed(1)},${(22 - 20 * v / max).toFixed(1)}`).join("");
    svg.append(el("path", { d, fill: "none", stroke: colour(name), "stroke-width": 1.5 }, true));
  }
  return svg;
}

// row makes one table row; cells are [class, text].
function row(cls, data, cells) {
  const tr = el("tr", { class: cls });
  for (const [k, v] of Object.entries(data)) tr.dataset[k] = v;
  for (const [c, text] of cells) {
    const td = el("td", { class: c });
    if (text instanceof Node) td.append(text);
    else td.textContent = text;
    tr.append(td);
  }
  return tr;
}

function renderTable(stats) {
  const prev = previous(), cur = history[history.length - 1];
  const dt = prev ? (cur.t - prev.t) / 1000 : 0;
  const cmds = [...stats.commands].sort((a, b) =>
    (a.command === "_other") - (b.command === "_other") || a.command.localeCompare(b.command));
  const rows = [];
  for (const c of cmds) {
    const s = cur.cmds.get(c.command), p = prev && prev.cmds.get(c.command);
    rows.push(row("command", { command: c.command }, [
      ["name", c.command],
      ["subscribers", fmt.format(s.subscribers)],
      ["pending", fmt.format(s.pending)],
      ["inflight", fmt.format(s.inFlight)],
      ["dead" + (s.deadLetters > 0 ? " nonzero" : ""), fmt.format(s.deadLetters)],
      ["published-rate", fmtRate.format(rate(p, s, "published", dt))],
      ["delivered-rate", fmtRate.format(rate(p, s, "delivered", dt))],
      ["errors-rate", fmtRate.format(rate(p, s, "errors", dt))],
      ["spark", sparkline(c.command, cur.t)],
    ]));
    const onlyDefault = c.groups.length === 1 && c.groups[0].group === "";
    if (onlyDefault) continue;
    for (const g of c.groups) {
      rows.push(row("group", { command: c.command, group: g.group }, [
        ["name", "group " + label(g.group)],
        ["subscribers", fmt.format(g.subscribers)],
        ["pending", fmt.format(g.pending)],
        ["inflight", fmt.format(g.inFlight)],
        ["dead" + (g.deadLetters > 0 ? " nonzero" : ""), fmt.format(g.deadLetters)],
        ["", ""], ["", ""], ["", ""], ["", ""],
      ]));
    }
  }
  $("command-rows").replaceChildren(...rows);
  $("empty").hidden = rows.length > 0;
  setText("note", stats.commands.some((c) => c.command === "_other")
    ? `Commands past the first ${fmt.format(stats.maxCommands)} are summed under _other.` : "");
}

function render(stats) {
  renderHeader(stats, true);
  renderCards(stats);
  const now = stats.time;
  const depths = depthLines(stats);
  chart("depth-chart", depths, now);
  legend("depth-legend", depths);
  const rates = rateLines();
  chart("rate-chart", rates, now);
  legend("rate-legend", rates);
  renderTable(stats);
  document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
}

async function poll() {
  let stats = null;
  try {
    const res = await fetch("/api/stats", { cache: "no-store" });
    if (!res.ok) throw new Error(res.status + " " + (await res.text()));
    stats = await res.json();
  } catch (err) {
    console.warn("teomq dashboard:", err);
  }
  if (stats) {
    record(stats);
    render(stats);
  } else {
    renderHeader(null, false);
  }
  setTimeout(poll, POLL_MS);
}

poll();
