// The users_servers web consumer: this tab is a teomq peer of its own. It
// subscribes to num_servers and num_players in its own group, so the
// terminal consumer keeps getting its copies, and shows the values live.
// Every text from the network goes into the page with textContent, never
// as HTML.

const COMMANDS = ["num_servers", "num_players"];
const COLORS = { num_servers: "#2f6fde", num_players: "#e0702b" };
const WINDOW_MS = 60000;
const SVG = "http://www.w3.org/2000/svg";
const W = 640, H = 200, PAD = 28;

const $ = (id) => document.getElementById(id);
const series = Object.fromEntries(COMMANDS.map((c) => [c, []])); // {t, v}

function setState(state, text) {
  $("state").dataset.state = state;
  $("state").textContent = text;
}

// hintFor says what to do about a failed connection to the broker's
// WebSocket ws, given the reason the client learned (the broker's refusal,
// such as "teomq: refused: origin not allowed: ..."), or "" when there is
// nothing to add.
function hintFor(reason, code, ws) {
  const broker = new URL(ws);
  if (reason.includes("origin not allowed")) {
    return `The broker does not accept pages from ${location.origin}. Start it with ` +
      `-allow-origin ${location.origin} (or list the origin in its config file), ` +
      `or open this page by the address the broker allows, such as http://localhost:${location.port}/.`;
  }
  if (reason.includes("host not served")) {
    return `The broker does not answer to the name ${broker.host}. Start it with -allow-host ${broker.host}.`;
  }
  if (reason.includes("forbidden") || reason.includes("refused")) {
    return `The broker refused this page: ${reason}. Check its -allow-origin and its config file.`;
  }
  if (code === 1006 && !reason) {
    return `No broker answers at ${ws}. Is it running, with its HTTP listener (teomq broker -http ${broker.host})?`;
  }
  return "";
}

function showHint(text) {
  $("hint").textContent = text;
  $("hint").hidden = text === "";
}

function show(command, m) {
  $(command).textContent = m.data;
  $(`${command}_from`).textContent = `from ${m.from} at ${new Date().toLocaleTimeString()}`;
  const v = Number(m.data);
  if (m.data.trim() !== "" && Number.isFinite(v)) {
    series[command].push({ t: Date.now(), v });
    draw();
  }
}

function svg(name, attrs, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// draw renders the last minute of both series as lines on a shared scale.
function draw() {
  const now = Date.now();
  for (const c of COMMANDS) {
    const s = series[c];
    while (s.length && s[0].t < now - WINDOW_MS) s.shift();
  }
  const top = Math.max(1, ...COMMANDS.flatMap((c) => series[c].map((p) => p.v)));
  const x = (t) => PAD + ((t - (now - WINDOW_MS)) / WINDOW_MS) * (W - 2 * PAD);
  const y = (v) => H - PAD - (Math.max(v, 0) / top) * (H - 2 * PAD);
  const chart = $("chart");
  chart.replaceChildren(
    svg("line", { x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD, stroke: "#c5cbd8" }),
    svg("line", { x1: PAD, y1: PAD, x2: PAD, y2: H - PAD, stroke: "#c5cbd8" }),
    svg("text", { x: PAD - 4, y: PAD + 4, "text-anchor": "end", "font-size": 11, fill: "#6b7385" }, String(top)),
    svg("text", { x: PAD - 4, y: H - PAD + 4, "text-anchor": "end", "font-size": 11, fill: "#6b7385" }, "0"),
    svg("text", { x: PAD, y: H - 8, "font-size": 11, fill: "#6b7385" }, "−60 s"),
    svg("text", { x: W - PAD, y: H - 8, "text-anchor": "end", "font-size": 11, fill: "#6b7385" }, "now"),
  );
  for (const c of COMMANDS) {
    const pts = series[c].map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
    if (pts.length === 0) continue;
    chart.append(svg("polyline", { points: pts.join(" "), fill: "none", stroke: COLORS[c], "stroke-width": 2 }));
    const last = series[c].at(-1);
    chart.append(svg("circle", { cx: x(last.t), cy: y(last.v), r: 3.5, fill: COLORS[c] }));
  }
}

async function main() {
  const cfg = await (await fetch("/config.json")).json();
  $("broker").textContent = cfg.broker;
  const { connect } = await import(cfg.module);
  const client = await connect(cfg.ws, cfg.broker);
  $("address").textContent = client.address;

  client.addEventListener("connected", () => {
    setState("connected", "connected");
    showHint("");
  });
  client.addEventListener("disconnected", (e) => {
    const { code, reason, retryIn } = e.detail;
    setState("disconnected", `disconnected (${reason || `code ${code}`})${retryIn >= 0 ? `, retrying in ${(retryIn / 1000).toFixed(1)} s` : ""}`);
    showHint(hintFor(reason, code, cfg.ws));
  });

  const group = `web-${client.address}`;
  const subscribed = COMMANDS.map((command) =>
    client.subscribe(command, (m) => {
      show(command, m);
      return "ok";
    }, { group, ephemeral: true }));
  Promise.all(subscribed).then(
    () => { document.body.dataset.subscribed = "true"; },
    (e) => setState("error", `subscribe: ${e.message}`),
  );

  $("version-btn").addEventListener("click", async () => {
    const out = $("version-answer");
    out.dataset.state = "waiting";
    out.textContent = "…";
    try {
      const answer = await client.request("version", "", { timeout: 5000 });
      out.dataset.state = "ok";
      out.textContent = `${answer.data} (from ${answer.from})`;
    } catch (e) {
      out.dataset.state = "error";
      out.textContent = `error: ${e.message}`;
    }
  });

  setInterval(draw, 1000);
  draw();
}

main().catch((e) => setState("error", `error: ${e.message}`));
