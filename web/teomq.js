// teomq.js: the teomq browser client, an ES module with no dependencies and
// no build step. The broker serves it at /teomq.js.
//
//   import { connect } from "http://localhost:8093/teomq.js";
//   const client = await connect("ws://localhost:8093/teomq", BROKER_ADDRESS);
//   client.addEventListener("connected", () => console.log("up as", client.address));
//   await client.subscribe("num_servers", (m) => { show(m.data); return "ok"; },
//                          { group: "web-" + client.address, ephemeral: true });
//   const id = await client.send("num_players", "42");
//   const answer = await client.request("version", "", { timeout: 5000 });
//
// A page is a teomq peer like a Go program: it speaks the same frames
// (package wire) over a WebSocket, each binary message carrying one or more
// frames prefixed with their 4-byte big-endian length. It has an identity
// of its own, an Ed25519 key made by WebCrypto (the private key cannot be
// exported) and kept in IndexedDB under the client's name, and so a
// 35-character Teonet address, derived from the public key exactly as the
// Go peers derive theirs. Each tab is its own peer: the default name is
// "tab-" plus a random id kept in sessionStorage, so a reload keeps the
// tab's identity and another tab gets another. A duplicated tab, which
// copies sessionStorage, notices that the name is in use and takes a new
// one.
//
// On each connection the broker and the page prove their keys to each
// other (see teonet/web_handshake.go in the teomq repository); the page
// refuses a broker whose key does not hash to the broker address it was
// given.
//
// The client reconnects by itself with capped exponential backoff and
// jitter, re-subscribes, and resends unconfirmed messages with their IDs
// (the broker stores an ID once). Payloads are bytes; strings travel as
// UTF-8.
//
// All methods are called from the page's one thread; handlers run as
// separate tasks (never inside the socket's message handler), as many at
// once per subscription as its concurrency.

const PROTOCOL = "teomq.v1";
const WIRE_VERSION = 1;

// Frame types (wire/frame.go).
const T = Object.freeze({
  Publish: 1, Confirm: 2, Subscribe: 3, Unsubscribe: 4, SubAck: 5, Deliver: 6, Answer: 7,
  Result: 8, Credit: 9, Touch: 10, Error: 11, Ping: 12, Pong: 13, Info: 16, Cancel: 17,
});

/**
 * Result and error codes (wire/frame.go), carried as TeomqError.code.
 * Closed is local to this client: it was closed.
 */
export const Code = Object.freeze({
  OK: 0, QueueFull: 1, TooLarge: 2, BadCommand: 3, StoreFailed: 4, RemoteError: 5,
  Timeout: 6, DeadLetter: 7, Malformed: 8, UnknownType: 9, BadVersion: 10, UnknownID: 11,
  StaleAttempt: 12, Shutdown: 13, Forbidden: 14, StoreUnavailable: 15, IDInUse: 16, NoAnswerGroup: 17,
  NotFound: 18, InUse: 19, UnknownOp: 20, Purged: 21, Cancelled: 22, DiskBudget: 23, Closed: -1,
});

const codeNames = Object.fromEntries(Object.entries(Code).map(([k, v]) => [v, k]));

// Answer kinds.
const ANSWER_REPLY = 0, ANSWER_ERROR = 1, ANSWER_RETRY = 2;
const FLAG_REQUEST = 1, FLAG_ANSWER_GROUP = 2;
const MAX_NAME = 255;

// Handshake (teonet/web_handshake.go).
const HS_VERSION = 1, HS_HELLO = 1, HS_AUTH = 2, HS_WELCOME = 3;
const HS_KEY = 32, HS_NONCE = 32, HS_SIG = 64;
const HS_HELLO_LEN = 2 + HS_KEY + HS_NONCE + 4 + 4;
const HS_WELCOME_LEN = 2 + HS_SIG;
const PAGE_AUTH_CONTEXT = "teomq/web/v1 page-auth\0";
const BROKER_AUTH_CONTEXT = "teomq/web/v1 broker-auth\0";
const HANDSHAKE_TIMEOUT = 10000;

// Addresses (teonet/address.go).
const ADDRESS_LEN = 35;
const ADDRESS_DIGEST_BYTES = 26;
const DIGITS62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

// Reconnecting, as teonet.Redialer: full jitter in [0, min(max, min*2^(n-1))].
const MIN_BACKOFF = 100;
const MAX_BACKOFF = 5000;
const STABLE_AFTER = 1000;

const DEFAULT_REQUEST_TIMEOUT = 30000;
const DEFAULT_MAX_MESSAGE = (1 << 20) + (64 << 10) + 4; // until the hello says

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder(); // invalid sequences become U+FFFD

/**
 * TeomqError is the error of a refused or failed operation. code is a Code;
 * from is the answering consumer's address for Code.RemoteError.
 */
export class TeomqError extends Error {
  constructor(code, message, { id = "", from = "" } = {}) {
    super(message || codeNames[code] || `code ${code}`);
    this.name = "TeomqError";
    this.code = code;
    this.id = id;
    this.from = from;
  }
}

/**
 * RetryError, thrown (or rejected) by a handler, asks the broker to
 * redeliver the message later instead of answering it; after the broker's
 * max deliveries it is dead-lettered.
 */
export class RetryError extends Error {
  constructor(reason = "retry requested") {
    super(reason);
    this.name = "RetryError";
  }
}

// ---------------------------------------------------------------------------
// Encoding (wire/codec.go): big-endian integers, uvarint-prefixed UTF-8
// strings, data to the end of the frame.

class FrameWriter {
  constructor(type, size) {
    this.buf = new Uint8Array(2 + size);
    this.view = new DataView(this.buf.buffer);
    this.off = 0;
    this.u8(WIRE_VERSION);
    this.u8(type);
  }
  u8(v) { this.view.setUint8(this.off, v); this.off += 1; }
  u32(v) { this.view.setUint32(this.off, v); this.off += 4; }
  i64(v) { this.view.setBigInt64(this.off, BigInt(v)); this.off += 8; }
  u64(v) { this.view.setBigUint64(this.off, v); this.off += 8; }
  bytes(b) { this.buf.set(b, this.off); this.off += b.length; }
  str(b) { // b: the string's UTF-8 bytes
    let n = b.length;
    while (n >= 0x80) { this.u8((n & 0x7f) | 0x80); n >>>= 7; }
    this.u8(n);
    this.bytes(b);
  }
  done() { return this.buf.subarray(0, this.off); }
}

// strLen is the encoded length of a string of n UTF-8 bytes.
function strLen(n) {
  let p = 1;
  for (let v = n; v >= 0x80; v >>>= 7) p++;
  return p + n;
}

// encodePublish encodes a Publish; group (UTF-8 bytes) is the answer
// group, carried only when not empty (flagged by FLAG_ANSWER_GROUP).
function encodePublish(id, flags, deadline, command, group, data) {
  const g = group.length > 0;
  const w = new FrameWriter(T.Publish, 16 + 1 + 8 + strLen(command.length) + (g ? strLen(group.length) : 0) + data.length);
  w.bytes(id); w.u8(g ? flags | FLAG_ANSWER_GROUP : flags); w.i64(deadline); w.str(command);
  if (g) w.str(group);
  w.bytes(data);
  return w.done();
}

function encodeSubscribe(s) {
  const w = new FrameWriter(T.Subscribe, 4 + 4 + 1 + strLen(s.commandBytes.length) + strLen(s.groupBytes.length));
  w.u32(s.id); w.u32(s.concurrency); w.u8(s.ephemeral ? 1 : 0); w.str(s.commandBytes); w.str(s.groupBytes);
  return w.done();
}

function encodeUnsubscribe(subId) {
  const w = new FrameWriter(T.Unsubscribe, 4);
  w.u32(subId);
  return w.done();
}

function encodeAnswer(id, attempt, kind, data) {
  const w = new FrameWriter(T.Answer, 16 + 4 + 1 + data.length);
  w.bytes(id); w.u32(attempt); w.u8(kind); w.bytes(data);
  return w.done();
}

function encodeCancel(id) {
  const w = new FrameWriter(T.Cancel, 16);
  w.bytes(id);
  return w.done();
}

function encodePingPong(type, nonce) {
  const w = new FrameWriter(type, 8);
  w.u64(nonce);
  return w.done();
}

// FrameReader decodes one frame's body. A read past the end throws.
class FrameReader {
  constructor(frame) {
    this.b = frame;
    this.view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    this.off = 2;
  }
  need(n) {
    if (this.off + n > this.b.length) throw new Error("truncated frame");
    const off = this.off;
    this.off += n;
    return off;
  }
  u8() { return this.view.getUint8(this.need(1)); }
  u16() { return this.view.getUint16(this.need(2)); }
  u32() { return this.view.getUint32(this.need(4)); }
  i64() { return Number(this.view.getBigInt64(this.need(8))); }
  u64() { return this.view.getBigUint64(this.need(8)); }
  id() { const off = this.need(16); return this.b.slice(off, off + 16); }
  str() {
    let n = 0, shift = 0, byte;
    do {
      if (shift > 28) throw new Error("string length overflows");
      byte = this.u8();
      n += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    const off = this.need(n);
    return utf8Decoder.decode(this.b.subarray(off, off + n));
  }
  rest() { const off = this.off; this.off = this.b.length; return this.b.slice(off); }
}

// decodeFrame decodes a frame the broker sends; it throws on a bad frame.
function decodeFrame(frame) {
  if (frame.length < 2) throw new Error("frame shorter than its header");
  if (frame[0] !== WIRE_VERSION) throw new Error(`frame version ${frame[0]}, want ${WIRE_VERSION}`);
  const r = new FrameReader(frame);
  const type = frame[1];
  switch (type) {
    case T.Confirm: return { type, id: r.id(), code: r.u16(), message: r.str() };
    case T.SubAck: return { type, subId: r.u32(), code: r.u16(), message: r.str() };
    case T.Deliver: return {
      type, subId: r.u32(), id: r.id(), attempt: r.u32(), deadline: r.i64(),
      from: r.str(), command: r.str(), data: r.rest(),
    };
    case T.Result: return { type, id: r.id(), code: r.u16(), from: r.str(), data: r.rest() };
    case T.Error: return { type, code: r.u16(), fatal: r.u8() === 1, ref: r.id(), message: r.str() };
    case T.Ping:
    case T.Pong: return { type, nonce: r.u64() };
    case T.Info: return { type, maxMessageSize: r.u32() };
    case T.Cancel: return { type, id: r.id() };
    default: throw new Error(`unexpected frame type ${type}`);
  }
}

/**
 * wireCodec is this client's frame codec, exported for the test that checks
 * it against the Go codec's golden frames (wire/testdata/frames.jsonl); it
 * is not part of the client's API.
 */
export const wireCodec = Object.freeze({
  T, encodePublish, encodeSubscribe, encodeUnsubscribe, encodeAnswer, encodePingPong, encodeCancel, decodeFrame,
});

// toBytes turns a payload (string, bytes or nothing) into bytes.
function toBytes(data) {
  if (data === undefined || data === null) return new Uint8Array(0);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return utf8.encode(String(data));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

// ---------------------------------------------------------------------------
// Message IDs: UUIDv7, time-ordered, made here so a resend keeps its ID.

let lastMillis = 0, lastSeq = 0;

function uuidv7() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let ms = Date.now();
  if (ms > lastMillis) {
    lastMillis = ms;
    lastSeq = 0;
  } else if (++lastSeq > 0xfff) { // more than 4096 IDs in a millisecond
    lastMillis++;
    lastSeq = 0;
  }
  ms = lastMillis;
  for (let i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
  b[6] = 0x70 | (lastSeq >> 8);
  b[7] = lastSeq & 0xff;
  b[8] = 0x80 | (b[8] & 0x3f);
  return b;
}

function uuidString(b) {
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function parseUUID(s) {
  const h = String(s).replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(h)) throw new TypeError(`teomq: bad message id ${s}`);
  return Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
}

// ---------------------------------------------------------------------------
// Identity: addresses, keys in IndexedDB, per-tab names.

/**
 * addressOf returns the 35-character Teonet address of an Ed25519 public
 * key (32 bytes): the first 208 bits of its SHA-256 in base 62, zero-padded,
 * exactly as teonet.AddressOf.
 */
export async function addressOf(publicKey) {
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", toBytes(publicKey)));
  let n = 0n;
  for (let i = 0; i < ADDRESS_DIGEST_BYTES; i++) n = (n << 8n) | BigInt(sum[i]);
  let s = "";
  while (n > 0n) {
    s = DIGITS62[Number(n % 62n)] + s;
    n /= 62n;
  }
  return s.padStart(ADDRESS_LEN, "0");
}

const DB_NAME = "teomq";
const DB_STORE = "identities";

function idbRequest(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDB() {
  const req = indexedDB.open(DB_NAME, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(DB_STORE);
  return idbRequest(req);
}

// loadIdentity returns the key pair stored under name, making and storing
// one on first use. The private key is not extractable: the page can sign
// with it, nobody can read it.
async function loadIdentity(name) {
  const db = await openDB();
  try {
    let keys = await idbRequest(db.transaction(DB_STORE).objectStore(DB_STORE).get(name));
    if (!keys) {
      const made = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
      // Store it unless another page of this origin stored one meanwhile:
      // get and put in one transaction.
      keys = await new Promise((resolve, reject) => {
        const tx = db.transaction(DB_STORE, "readwrite");
        const store = tx.objectStore(DB_STORE);
        let result = made;
        store.get(name).onsuccess = (ev) => {
          if (ev.target.result) result = ev.target.result;
          else store.put({ privateKey: made.privateKey, publicKey: made.publicKey }, name);
        };
        tx.oncomplete = () => resolve(result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    }
    const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
    return { name, privateKey: keys.privateKey, publicRaw, address: await addressOf(publicRaw) };
  } finally {
    db.close();
  }
}

// LOCK_WAIT is how long a name's lock is awaited: a reloading page may
// still hold it for a moment.
const LOCK_WAIT = 1500;
const TAB_KEY = "teomq.tab";

// lockName holds the Web Lock of an identity name for the page's life (or
// until release is called) and returns release, or null when another live
// page of this origin holds it.
async function lockName(name) {
  if (!globalThis.navigator?.locks) return () => {};
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  try {
    return await new Promise((resolve, reject) => {
      navigator.locks.request(`teomq:${name}`, { signal: AbortSignal.timeout(LOCK_WAIT) }, () => {
        resolve(release);
        return held;
      }).catch(reject);
    });
  } catch (e) {
    if (e?.name === "TimeoutError" || e?.name === "AbortError") return null;
    throw e;
  }
}

const randomId = () => hex(crypto.getRandomValues(new Uint8Array(8)));

// tabName returns this tab's identity name and its lock: the name kept in
// sessionStorage, or a new one when there is none or a duplicated tab
// holds it.
async function tabName() {
  let name = sessionStorage.getItem(TAB_KEY);
  if (name) {
    const release = await lockName(name);
    if (release) return { name, release };
  }
  name = `tab-${randomId()}`;
  sessionStorage.setItem(TAB_KEY, name);
  return { name, release: await lockName(name) };
}

// ---------------------------------------------------------------------------
// Client.

/**
 * connect makes a client of the broker at url (its WebSocket, such as
 * "ws://localhost:8093/teomq") whose Teonet address is brokerAddress (a
 * bare ADDRESS, or ADDRESS@host:port, of which only ADDRESS counts).
 *
 * It resolves once the client's identity is ready (client.address is
 * set) and connecting has begun; unlike the Go client it does not wait for
 * the broker, which a page may reach only later: listen for "connected".
 * Subscribe, send and request may be called at once; they go out when the
 * connection is up.
 *
 * options.name selects the identity (default: this tab's own name);
 * options.logger receives warnings (default console). connect rejects when
 * the name is in use by another live tab.
 */
export async function connect(url, brokerAddress, { name, logger = console } = {}) {
  const broker = String(brokerAddress ?? "").split("@")[0];
  if (!new RegExp(`^[A-Za-z0-9]{${ADDRESS_LEN}}$`).test(broker)) {
    throw new TypeError(`teomq: bad broker address ${JSON.stringify(brokerAddress)}: want ${ADDRESS_LEN} characters [A-Za-z0-9]`);
  }
  const u = new URL(url, globalThis.location?.href);
  if (u.protocol !== "ws:" && u.protocol !== "wss:") {
    throw new TypeError(`teomq: broker url ${url}: want ws:// or wss://`);
  }
  let release;
  if (name === undefined) {
    ({ name, release } = await tabName());
  } else {
    release = await lockName(name);
    if (!release) throw new Error(`teomq: identity ${name} is in use by another tab`);
  }
  const identity = await loadIdentity(name);
  const client = new Client(u.href, broker, identity, release, logger);
  client._dial();
  return client;
}

/**
 * Client is a connection to a broker, kept up by itself. It is an
 * EventTarget with events:
 *   "connected"    (detail: {address, broker}) when a connection is ready;
 *   "disconnected" (detail: {code, reason, retryIn}) when a connection or a
 *                  try fails; retryIn is the ms until the next try; reason
 *                  says why when it is known, such as the broker's refusal
 *                  ("teomq: refused: origin not allowed: ...");
 *   "orphan"       (detail: {id, data, bytes, from, error}) for an answer no
 *                  request awaits any more.
 */
export class Client extends EventTarget {
  #url; #broker; #id; #release; #log;
  #ws = null;          // the current socket, open or opening
  #gen = 0;            // counts sockets; events of older ones are ignored
  #ready = false;      // the handshake passed on #ws
  #hs = null;          // handshake state of #ws
  #inbox = Promise.resolve(); // messages during the handshake, in order
  #inboxLen = 0;
  #maxMessage = DEFAULT_MAX_MESSAGE;
  #maxData = 0;        // the broker's MaxMessageSize, from its Info; 0 until then
  #running = new Map(); // hex id -> AbortControllers of the handlers of that message
  #keepAlive = 2000;
  #calls = new Map();  // hex id -> pending send or request
  #subs = new Map();   // sub id -> Subscription
  #nextSub = 0;
  #out = [];           // frames waiting for the next flush
  #flushQueued = false;
  #closed = false;
  #failures = 0;
  #connectedAt = 0;
  #lastRecv = 0;
  #lastSend = 0;
  #pings = 0n;
  #timer = 0;          // retry or keepalive timer

  /** @private use connect */
  constructor(url, broker, identity, release, logger) {
    super();
    this.#url = url;
    this.#broker = broker;
    this.#id = identity;
    this.#release = release;
    this.#log = logger;
  }

  /** address is this client's 35-character Teonet address. */
  get address() { return this.#id.address; }
  /** name is the identity name the key is stored under. */
  get name() { return this.#id.name; }
  /** broker is the broker's address. */
  get broker() { return this.#broker; }
  /** connected reports whether a connection is up. */
  get connected() { return this.#ready; }

  /**
   * subscribe registers handler for command and resolves with the
   * Subscription once the broker registered it (or rejects with a
   * TeomqError when it refused). handler gets {id, command, data (the
   * payload as UTF-8 text), bytes (Uint8Array), from, attempt, deadline,
   * signal} and returns the answer (string or Uint8Array) or a Promise of
   * it; signal is an AbortSignal aborted when the request's producer gives
   * up waiting (its answer would be dropped), to pass to fetch and the
   * like. A thrown error answers with its message as an error (a
   * RetryError asks for redelivery). options: group (each group gets its own copy of every
   * message; default "" shares them point to point), concurrency (handlers
   * at once, also the broker's credit; default 1), ephemeral (the group
   * vanishes with its last member).
   */
  subscribe(command, handler, { group = "", concurrency = 1, ephemeral = false } = {}) {
    if (typeof handler !== "function") return Promise.reject(new TypeError("teomq: subscribe: handler is not a function"));
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      return Promise.reject(new TypeError(`teomq: subscribe: concurrency ${concurrency}: must be an integer of at least 1`));
    }
    if (this.#closed) return Promise.reject(closedError());
    if (!command) return Promise.reject(new TeomqError(Code.BadCommand, "teomq: subscribe: empty command"));
    const sub = new Subscription(this, ++this.#nextSub, String(command), String(group), concurrency, ephemeral, handler);
    if (sub.commandBytes.length > MAX_NAME || sub.groupBytes.length > MAX_NAME) {
      return Promise.reject(new TeomqError(Code.BadCommand, `teomq: subscribe: command or group over ${MAX_NAME} bytes`));
    }
    this.#subs.set(sub.id, sub);
    this.#queue(encodeSubscribe(sub));
    return sub._acked;
  }

  /**
   * send stores a message for command at the broker and resolves with its
   * ID once the broker confirmed it; the consumer's answer is discarded.
   * options: id (resend with a known ID; stored once), ttl (ms after which
   * no consumer gets it), timeout (ms to wait for the confirm; default
   * none: it waits across reconnects).
   */
  send(command, data, { id, ttl = 0, timeout = 0 } = {}) {
    return this.#publish(command, data, false, { id, ttl, timeout, answerGroup: "" });
  }

  /**
   * request stores a message for command and resolves with the consumer's
   * answer {id, data (text), bytes, from}. It rejects with a TeomqError:
   * Code.RemoteError (the handler failed; message is its error), Code.Timeout
   * after options.timeout ms (default 30000; the deadline travels with the
   * message, which no consumer gets after it), or the broker's refusal.
   * Only one group answers: the default group, or the one named by
   * options.answerGroup (Code.NoAnswerGroup when the command has no such
   * group); other groups get copies but never answer. A message ID is the
   * producer's own: options.id in use by another producer's queued message
   * is refused with Code.IDInUse.
   */
  request(command, data, { id, timeout = DEFAULT_REQUEST_TIMEOUT, answerGroup = "" } = {}) {
    return this.#publish(command, data, true, { id, ttl: timeout, timeout, answerGroup });
  }

  /**
   * close closes the client: it drops the connection (the broker requeues
   * unanswered deliveries), stops reconnecting, rejects waiting calls with
   * Code.Closed and releases the identity's name. Safe to call twice.
   */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const ws = this.#ws, wasReady = this.#ready;
    this.#drop();
    if (ws) ws.close(1000, "client closed");
    for (const c of this.#calls.values()) this.#finish(c, closedError());
    for (const s of this.#subs.values()) s._refuse(closedError());
    this.#subs.clear();
    this.#release?.();
    if (wasReady) this.#emit("disconnected", { code: 1000, reason: "client closed", retryIn: -1 });
  }

  // -------------------------------------------------------------------------
  // Connection.

  /** @private */
  _dial() {
    if (this.#closed) return;
    const gen = ++this.#gen;
    let ws;
    try {
      ws = new WebSocket(this.#url, PROTOCOL);
    } catch (e) {
      this.#lost(gen, 0, String(e?.message ?? e));
      return;
    }
    ws.binaryType = "arraybuffer";
    this.#ws = ws;
    this.#hs = { stage: HS_HELLO, failure: "" };
    this.#inbox = Promise.resolve();
    this.#inboxLen = 0;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#fail(gen, "teomq: handshake timed out"), HANDSHAKE_TIMEOUT);
    ws.onopen = () => { if (gen === this.#gen) this.#hs.opened = true; };
    ws.onmessage = (ev) => this.#onMessage(gen, ev.data);
    ws.onclose = (ev) => {
      const reason = this.#hs?.failure || ev.reason;
      if (gen !== this.#gen || this.#hs?.opened || reason) {
        this.#lost(gen, ev.code, reason);
        return;
      }
      // The broker refused before the upgrade, with an HTTP status whose
      // body says why, which a WebSocket cannot read: ask again over HTTP.
      refusalReason(this.#url).then((why) => this.#lost(gen, ev.code, why));
    };
  }

  #onMessage(gen, data) {
    if (gen !== this.#gen) return;
    this.#lastRecv = Date.now();
    if (!(data instanceof ArrayBuffer)) {
      this.#fail(gen, "teomq: broker sent a text message");
      return;
    }
    const msg = new Uint8Array(data);
    if (this.#ready && this.#inboxLen === 0) {
      this.#onFrames(msg);
      return;
    }
    // During the handshake, whose steps wait for WebCrypto, messages queue.
    this.#inboxLen++;
    this.#inbox = this.#inbox.then(async () => {
      this.#inboxLen--;
      if (gen !== this.#gen) return;
      if (this.#ready) this.#onFrames(msg);
      else await this.#onHandshake(gen, msg);
    }).catch((e) => this.#fail(gen, `teomq: handshake: ${e?.message ?? e}`));
  }

  async #onHandshake(gen, msg) {
    const hs = this.#hs;
    if (msg.length < 2 || msg[0] !== HS_VERSION || msg[1] !== hs.stage) {
      throw new Error(`unexpected message (want handshake step ${hs.stage})`);
    }
    if (hs.stage === HS_HELLO) {
      if (msg.length !== HS_HELLO_LEN) throw new Error(`hello of ${msg.length} bytes`);
      hs.brokerKey = msg.slice(2, 2 + HS_KEY);
      const nonce = msg.slice(2 + HS_KEY, 2 + HS_KEY + HS_NONCE);
      const view = new DataView(msg.buffer, msg.byteOffset + 2 + HS_KEY + HS_NONCE);
      hs.maxMessage = view.getUint32(0);
      hs.keepAlive = view.getUint32(4);
      const brokerAddress = await addressOf(hs.brokerKey);
      if (brokerAddress !== this.#broker) {
        throw new Error(`the broker's key is of address ${brokerAddress}, not of ${this.#broker}`);
      }
      hs.nonce = crypto.getRandomValues(new Uint8Array(HS_NONCE));
      const signed = concat(utf8.encode(PAGE_AUTH_CONTEXT), nonce, utf8.encode(this.#broker));
      const sig = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, this.#id.privateKey, signed));
      if (gen !== this.#gen) return;
      this.#ws.send(concat([HS_VERSION, HS_AUTH], this.#id.publicRaw, hs.nonce, sig));
      hs.stage = HS_WELCOME;
      return;
    }
    if (msg.length !== HS_WELCOME_LEN) throw new Error(`welcome of ${msg.length} bytes`);
    const key = await crypto.subtle.importKey("raw", hs.brokerKey, { name: "Ed25519" }, false, ["verify"]);
    const signed = concat(utf8.encode(BROKER_AUTH_CONTEXT), hs.nonce, utf8.encode(this.#id.address));
    if (!await crypto.subtle.verify({ name: "Ed25519" }, key, msg.slice(2), signed)) {
      throw new Error("the broker's signature does not verify: it does not hold the key of " + this.#broker);
    }
    if (gen !== this.#gen) return;
    this.#onConnected(hs);
  }

  #onConnected(hs) {
    this.#ready = true;
    this.#maxMessage = hs.maxMessage;
    this.#keepAlive = Math.max(hs.keepAlive, 100);
    this.#connectedAt = this.#lastSend = Date.now();
    for (const s of this.#subs.values()) this.#queue(encodeSubscribe(s));
    for (const c of this.#calls.values()) if (!c.confirmed) this.#queue(c.frame);
    clearTimeout(this.#timer);
    this.#tick(this.#gen);
    this.#emit("connected", { address: this.address, broker: this.#broker });
  }

  // #tick runs every half keepalive while connected: it pings after
  // keepAlive without sending and gives up on a broker silent for three.
  #tick(gen) {
    if (gen !== this.#gen || !this.#ready) return;
    const now = Date.now();
    if (now - this.#lastRecv > 3 * this.#keepAlive) {
      this.#fail(gen, `teomq: nothing received from the broker for ${3 * this.#keepAlive} ms`);
      return;
    }
    if (now - this.#lastSend >= this.#keepAlive) this.#queue(encodePingPong(T.Ping, ++this.#pings));
    this.#timer = setTimeout(() => this.#tick(gen), this.#keepAlive / 2);
  }

  // #fail closes the current socket for reason; its close event reports it.
  #fail(gen, reason) {
    if (gen !== this.#gen || !this.#ws) return;
    this.#log.warn?.(reason);
    this.#hs.failure = reason;
    const ws = this.#ws;
    try { ws.close(4000, reason.slice(0, 120)); } catch { ws.close(); }
    // The close event may take a while (the broker may be gone): move on.
    this.#lost(gen, 4000, reason);
  }

  // #lost handles the end of socket gen and schedules the next try.
  #lost(gen, code, reason) {
    if (gen !== this.#gen || this.#closed) return;
    const lived = this.#ready ? Date.now() - this.#connectedAt : 0;
    this.#drop();
    this.#failures = lived >= STABLE_AFTER ? 1 : this.#failures + 1;
    const limit = Math.min(MAX_BACKOFF, MIN_BACKOFF * 2 ** (this.#failures - 1));
    const retryIn = Math.round(Math.random() * limit);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this._dial(), retryIn);
    this.#emit("disconnected", { code, reason: reason || "", retryIn });
  }

  // #drop forgets the current socket.
  #drop() {
    this.#gen++;
    if (this.#ws) {
      this.#ws.onmessage = this.#ws.onclose = null;
    }
    this.#ws = null;
    this.#ready = false;
    this.#out = [];
  }

  // #queue queues a frame for the next flush, which runs once the current
  // task is done: frames queued together share one message. Without a
  // connection the frame is dropped (subscriptions and unconfirmed
  // messages are sent again on connect).
  #queue(frame) {
    if (!this.#ready) return;
    this.#out.push(frame);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush() {
    this.#flushQueued = false;
    const frames = this.#out;
    this.#out = [];
    if (!this.#ready || frames.length === 0) return;
    for (let i = 0; i < frames.length;) {
      let size = 0, j = i;
      while (j < frames.length && (j === i || size + 4 + frames[j].length <= this.#maxMessage)) {
        size += 4 + frames[j].length;
        j++;
      }
      const msg = new Uint8Array(size);
      const view = new DataView(msg.buffer);
      for (let off = 0; i < j; i++) {
        view.setUint32(off, frames[i].length);
        msg.set(frames[i], off + 4);
        off += 4 + frames[i].length;
      }
      this.#ws.send(msg);
    }
    this.#lastSend = Date.now();
  }

  // #onFrames handles a message of length-prefixed frames.
  #onFrames(msg) {
    const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
    for (let off = 0; off < msg.length;) {
      if (off + 4 > msg.length) {
        this.#log.warn?.("teomq: broker message ends inside a frame length");
        return;
      }
      const n = view.getUint32(off);
      if (off + 4 + n > msg.length) {
        this.#log.warn?.("teomq: broker frame runs past its message");
        return;
      }
      const frame = msg.subarray(off + 4, off + 4 + n);
      off += 4 + n;
      let f;
      try {
        f = decodeFrame(frame);
      } catch (e) {
        this.#log.warn?.(`teomq: bad frame from broker: ${e.message}`);
        continue;
      }
      this.#onFrame(f);
    }
  }

  #onFrame(f) {
    switch (f.type) {
      case T.Confirm: return this.#onConfirm(f);
      case T.Result: return this.#onResult(f);
      case T.Deliver: return this.#onDeliver(f);
      case T.SubAck: {
        const s = this.#subs.get(f.subId);
        if (s && !s._onAck(f.code, f.message, this.#log)) this.#subs.delete(s.id);
        return;
      }
      case T.Error: {
        this.#log.warn?.(`teomq: broker reported ${codeNames[f.code] ?? f.code}: ${f.message}`);
        const c = this.#calls.get(hex(f.ref));
        if (c && !c.confirmed) this.#finish(c, new TeomqError(f.code, f.message, { id: c.id }));
        return;
      }
      case T.Ping: return this.#queue(encodePingPong(T.Pong, f.nonce));
      case T.Pong: return;
      case T.Info:
        this.#maxData = f.maxMessageSize;
        return;
      case T.Cancel: {
        // The producer gave up: the handlers of that message may stop;
        // their answers will be dropped.
        for (const ac of this.#running.get(hex(f.id)) ?? []) ac.abort(new TeomqError(Code.Cancelled, "teomq: request cancelled by its producer"));
        return;
      }
    }
  }

  // -------------------------------------------------------------------------
  // Producing.

  #publish(command, data, request, { id, ttl, timeout, answerGroup }) {
    if (this.#closed) return Promise.reject(closedError());
    let idBytes;
    try {
      idBytes = id === undefined ? uuidv7() : parseUUID(id);
    } catch (e) {
      return Promise.reject(e);
    }
    if (!command) return Promise.reject(new TeomqError(Code.BadCommand, "teomq: empty command"));
    const cmd = utf8.encode(String(command));
    if (cmd.length > MAX_NAME) {
      return Promise.reject(new TeomqError(Code.BadCommand, `teomq: command of ${cmd.length} bytes, limit ${MAX_NAME}`));
    }
    const group = utf8.encode(String(answerGroup));
    if (group.length > MAX_NAME) {
      return Promise.reject(new TeomqError(Code.BadCommand, `teomq: answer group of ${group.length} bytes, limit ${MAX_NAME}`));
    }
    const bytes = toBytes(data);
    if (this.#maxData > 0 && bytes.length > this.#maxData) {
      return Promise.reject(new TeomqError(Code.TooLarge, `teomq: message too large: ${bytes.length} bytes, limit ${this.#maxData}`));
    }
    const deadline = ttl > 0 ? Date.now() + ttl : 0;
    const frame = encodePublish(idBytes, request ? FLAG_REQUEST : 0, deadline, cmd, group, bytes);
    if (frame.length + 4 > this.#maxMessage) {
      return Promise.reject(new TeomqError(Code.TooLarge, `teomq: message of ${frame.length} bytes, limit ${this.#maxMessage - 4}`));
    }
    const key = hex(idBytes);
    if (this.#calls.has(key)) {
      return Promise.reject(new TeomqError(Code.Malformed, `teomq: message ${uuidString(idBytes)} is already in progress`));
    }
    return new Promise((resolve, reject) => {
      const c = { key, id: uuidString(idBytes), frame, request, confirmed: false, resolve, reject, timer: 0 };
      if (timeout > 0) {
        c.timer = setTimeout(() => {
          this.#finish(c, new TeomqError(Code.Timeout,
            `teomq: ${request ? "request" : "send"} ${c.id} timed out after ${timeout} ms`, { id: c.id }));
          // The request is given up: the broker drops it.
          if (request) this.#queue(encodeCancel(idBytes));
        }, timeout);
      }
      this.#calls.set(key, c);
      this.#queue(frame);
    });
  }

  #finish(c, err, value) {
    if (this.#calls.get(c.key) === c) this.#calls.delete(c.key);
    clearTimeout(c.timer);
    if (err) c.reject(err);
    else c.resolve(value);
  }

  #onConfirm(f) {
    const c = this.#calls.get(hex(f.id));
    if (!c) return;
    if (f.code !== Code.OK) this.#finish(c, new TeomqError(f.code, f.message, { id: c.id }));
    else if (!c.request) this.#finish(c, null, c.id);
    else c.confirmed = true;
  }

  #onResult(f) {
    const id = uuidString(f.id);
    let err = null, answer = null;
    if (f.code === Code.OK) answer = { id, data: utf8Decoder.decode(f.data), bytes: f.data, from: f.from };
    else if (f.code === Code.RemoteError) err = new TeomqError(f.code, utf8Decoder.decode(f.data), { id, from: f.from });
    else err = new TeomqError(f.code, utf8Decoder.decode(f.data) || codeNames[f.code], { id, from: f.from });
    const c = this.#calls.get(hex(f.id));
    if (c) this.#finish(c, err, answer);
    else this.#emit("orphan", { ...(answer ?? { id, from: f.from }), error: err });
  }

  // -------------------------------------------------------------------------
  // Consuming.

  #onDeliver(f) {
    const s = this.#subs.get(f.subId);
    if (!s) return; // unsubscribed: the broker requeues it
    const key = hex(f.id);
    const ac = new AbortController();
    const running = this.#running.get(key) ?? [];
    running.push(ac);
    this.#running.set(key, running);
    const m = {
      id: uuidString(f.id), command: f.command, data: utf8Decoder.decode(f.data), bytes: f.data,
      from: f.from, attempt: f.attempt, deadline: f.deadline ? new Date(f.deadline) : null,
      signal: ac.signal,
    };
    const gen = this.#gen;
    const answer = (kind, data) => {
      const left = (this.#running.get(key) ?? []).filter((x) => x !== ac);
      if (left.length > 0) this.#running.set(key, left);
      else this.#running.delete(key);
      // An answer on a later connection is stale: the broker requeued the
      // message when this one dropped.
      if (gen === this.#gen && this.#ready) this.#queue(encodeAnswer(f.id, f.attempt, kind, data));
    };
    // A new task, not the socket's message handler.
    Promise.resolve().then(() => s.handler(m)).then(
      (reply) => answer(ANSWER_REPLY, toBytes(reply)),
      (e) => answer(e instanceof RetryError ? ANSWER_RETRY : ANSWER_ERROR, utf8.encode(String(e?.message ?? e))),
    );
  }

  /** @private */
  _unsubscribe(s) {
    if (this.#subs.get(s.id) !== s) return;
    this.#subs.delete(s.id);
    this.#queue(encodeUnsubscribe(s.id));
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

function closedError() {
  return new TeomqError(Code.Closed, "teomq: client closed");
}

// refusalReason asks the broker over HTTP why it refused the WebSocket at
// url: it answers a refused request with an HTTP 403 (or 503) whose body
// gives the reason, readable by pages of any origin. It resolves to ""
// when there is none to read: the broker is not running, or did not refuse.
async function refusalReason(url) {
  try {
    const u = new URL(url);
    u.protocol = u.protocol === "wss:" ? "https:" : "http:";
    const resp = await fetch(u, { cache: "no-store" });
    if (resp.status === 403 || resp.status === 503) return (await resp.text()).trim().slice(0, 300);
  } catch {
    // No answer at all: nothing to add to the close code.
  }
  return "";
}

/** Subscription is a client's registration for one command. */
export class Subscription {
  /** @private use Client.subscribe */
  constructor(client, id, command, group, concurrency, ephemeral, handler) {
    this.client = client;
    this.id = id;
    this.command = command;
    this.group = group;
    this.concurrency = concurrency;
    this.ephemeral = ephemeral;
    this.handler = handler;
    this.commandBytes = utf8.encode(command);
    this.groupBytes = utf8.encode(group);
    this.acked = false;
    this._acked = new Promise((resolve, reject) => { this._resolve = resolve; this._reject = reject; });
  }

  /**
   * unsubscribe ends the subscription; the broker requeues the messages it
   * has not answered. Safe to call twice.
   */
  unsubscribe() {
    this.client._unsubscribe(this);
  }

  /** @private takes the broker's SubAck; reports whether to keep it. */
  _onAck(code, message, log) {
    const err = code === Code.OK ? null : new TeomqError(code, `teomq: subscribe ${this.command}: ${message}`);
    if (!this.acked) {
      this.acked = true;
      if (err) this._reject(err);
      else this._resolve(this);
      return !err;
    }
    if (err) log.error?.(`teomq: the broker refused a re-subscription: ${err.message}`);
    return true;
  }

  /** @private */
  _refuse(err) {
    if (!this.acked) {
      this.acked = true;
      this._reject(err);
    }
  }
}
