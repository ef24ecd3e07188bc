// check_vectors.js is evaluated in a page by wire_vectors_test.go: a
// function of the URL of teomq.js and the text of wire/testdata/frames.jsonl
// that checks the client's frame codec against every golden frame and
// returns { checked, failures }.
async (moduleURL, text) => {
  const { wireCodec: w } = await import(moduleURL);
  const utf8 = new TextEncoder();
  const hexOf = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const bytesOf = (h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

  // The frames the client sends, built from the fields as the client does.
  const encoders = {
    publish: (f) => w.encodePublish(bytesOf(f.id), f.flags, BigInt(f.deadline),
      utf8.encode(f.command), utf8.encode(f.answerGroup), bytesOf(f.data)),
    subscribe: (f) => w.encodeSubscribe({
      id: f.subId, concurrency: f.credit, ephemeral: f.ephemeral,
      commandBytes: utf8.encode(f.command), groupBytes: utf8.encode(f.group),
    }),
    unsubscribe: (f) => w.encodeUnsubscribe(f.subId),
    answer: (f) => w.encodeAnswer(bytesOf(f.id), f.attempt, f.kind, bytesOf(f.data)),
    ping: (f) => w.encodePingPong(w.T.Ping, BigInt(f.nonce)),
    pong: (f) => w.encodePingPong(w.T.Pong, BigInt(f.nonce)),
    cancel: (f) => w.encodeCancel(bytesOf(f.id)),
  };
  // The frames the client receives: decodeFrame gives every field.
  const decoded = new Set(["confirm", "suback", "deliver", "result", "error", "ping", "pong", "info", "cancel"]);
  // The frames a browser client neither sends nor takes: decodeFrame
  // refuses them, as it does any frame it does not know.
  const foreign = new Set(["credit", "touch", "admin", "admin reply"]);

  // same compares a decoded value with the vector's: bytes as hex, 64-bit
  // integers (Number or BigInt here) as decimal strings.
  const same = (got, want) => {
    if (got instanceof Uint8Array) return hexOf(got) === want;
    if (typeof want === "string" && (typeof got === "number" || typeof got === "bigint")) return String(got) === want;
    return got === want;
  };

  const failures = [];
  const seen = {};
  let checked = 0;
  for (const line of text.split("\n")) {
    const l = line.trim();
    if (l === "" || l.startsWith("#")) continue;
    const v = JSON.parse(l);
    const fail = (msg) => failures.push(`${v.name} (${v.type}): ${msg}`);
    seen[v.type] = (seen[v.type] ?? 0) + 1;
    let classified = false;
    if (encoders[v.type]) {
      classified = true;
      checked++;
      try {
        const got = hexOf(encoders[v.type](v.fields));
        if (got !== v.hex) fail(`encodes to\n${got}\nthe vector has\n${v.hex}`);
      } catch (e) {
        fail(`encode threw ${e}`);
      }
    }
    if (decoded.has(v.type)) {
      classified = true;
      checked++;
      const b = bytesOf(v.hex);
      let d;
      try {
        d = w.decodeFrame(b);
      } catch (e) {
        fail(`decode threw ${e}`);
        continue;
      }
      if (d.type !== b[1]) fail(`decoded type ${d.type}, want ${b[1]}`);
      for (const [k, want] of Object.entries(v.fields)) {
        if (!(k in d)) fail(`decoded frame has no ${k}`);
        else if (!same(d[k], want)) fail(`decoded ${k} = ${d[k] instanceof Uint8Array ? hexOf(d[k]) : String(d[k])}, want ${want}`);
      }
      for (const k of Object.keys(d)) {
        if (k !== "type" && !(k in v.fields)) fail(`decoded frame has ${k}, which the Go frame has not`);
      }
    }
    if (foreign.has(v.type)) {
      classified = true;
      checked++;
      let d;
      try {
        d = w.decodeFrame(bytesOf(v.hex));
      } catch {
        continue;
      }
      fail(`decoded to ${JSON.stringify(d, (_, x) => typeof x === "bigint" ? String(x) : x)}: if the client takes this frame now, check its fields here`);
    }
    if (!classified) fail("this check does not know the frame type: say whether the client encodes, decodes or refuses it");
  }
  for (const t of [...Object.keys(encoders), ...decoded, ...foreign]) {
    if (!seen[t]) failures.push(`no golden ${t} frame`);
  }
  return { checked, failures };
}
