// The signaling socket (docs/protocol.md): hello/welcome, requests answered by `re`, sequence numbers,
// heartbeats, and resume after a dropped socket (resume token + lastSeq, duplicates ignored).
import { Emitter } from './emitter.js';

/** Close codes after which reconnecting cannot help (docs/protocol.md, "Close codes"). */
const FATAL_CLOSE = new Map([
  [4001, 'invalid-token'], [4002, 'token-expired'], [4003, 'protocol-violation'],
  [4006, 'replaced'], [4008, 'too-many-connections'], [4029, 'rate-limited'], [1003, 'binary-not-supported'],
]);

/** Error codes that come just before the server closes the socket. */
const FATAL_CODES = new Set([...FATAL_CLOSE.values(), 'not-authenticated', 'frame-too-large', 'slow-consumer']);

/** Human text for error codes the app may show. */
export const ERROR_TEXT = {
  'invalid-token': 'Your access token is not valid. Ask for a new invitation link.',
  'token-expired': 'Your access token has expired. Reload the page to get a new one.',
  'forbidden': 'You are not allowed to enter this room.',
  'room-full': 'This room is full. Try again later or pick another room.',
  'replaced': 'You joined from another tab or device, so this one was disconnected.',
  'too-many-connections': 'Too many connections from your network. Close other tabs and try again.',
  'rate-limited': 'Too many messages in a short time; slow down.',
  'protocol-violation': 'The app and the server disagree on the protocol. Reload the page.',
  'unreachable': 'Cannot reach the server. Check your connection.',
  'resume-failed': 'The connection was lost for too long; rejoining.',
};

/**
 * @typedef {'idle'|'connecting'|'open'|'reconnecting'|'closed'|'failed'} SignalingState
 * @typedef {{type: string, [k: string]: any}} Msg
 */

/**
 * One signaling session over a WebSocket that survives socket drops.
 * Events: `state` (SignalingState), `welcome` (the welcome message), `message` (every server event with a
 * new `seq`, plus `going-away`), `error` ({code, message, fatal}), `session-reset` (resume failed: a fresh
 * session started, rooms must be joined again).
 */
export class SignalingConnection extends Emitter {
  /**
   * @param {{url: string, token: string, getToken?: () => Promise<string>, log?: (s: string) => void}} opts
   */
  constructor(opts) {
    super();
    this.url = opts.url;
    this.token = opts.token;
    this.getToken = opts.getToken;
    this.log = opts.log || (() => {});
    /** @type {SignalingState} */ this.state = 'idle';
    /** @type {WebSocket|null} */ this.ws = null;
    this.lastSeq = 0;
    this.resumeToken = null;
    this.resumeWindowMs = 30000;
    this.welcome = null;
    this.nextId = 1;
    /** @type {Map<string, {resolve: Function, reject: Function, timer: any}>} */ this.pending = new Map();
    /** @type {Msg[]} */ this.outbox = [];
    this.attempt = 0;
    this.lostAt = 0;
    this.heartbeatTimer = null;
    this.lastHeard = 0;
    this.closing = false;
  }

  /** Opens the first socket; resolves with the welcome, rejects with {code, message} on a fatal error. */
  connect() {
    return new Promise((resolve, reject) => {
      const offW = this.on('welcome', (w) => { offW(); offE(); resolve(w); });
      const offE = this.on('error', (e) => { if (e.fatal) { offW(); offE(); reject(e); } });
      this.open();
    });
  }

  /** Sends a request and resolves with the server's answer (`ack`, `joined`, `pong`), rejects on `error`. */
  request(/** @type {Msg} */ msg, timeoutMs = 15000) {
    const id = `c${this.nextId++}`;
    const out = { ...msg, id };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject({ code: 'timeout', message: `${msg.type}: no answer` }); }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.sendRaw(out);
    });
  }

  /** Fire-and-forget: errors are emitted as `error` events. Queued while the socket is down. */
  send(/** @type {Msg} */ msg) {
    this.request(msg).catch((e) => { if (e.code !== 'connection-lost' && e.code !== 'timeout') this.emit('error', { ...e, fatal: false, request: msg.type }); });
  }

  /** Ends the session for good (`bye`: no resume). */
  close() {
    this.closing = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.refreshTimer);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      try { this.ws.send(JSON.stringify({ type: 'bye' })); } catch { /* closing anyway */ }
      this.ws.close(1000);
    }
    this.ws = null;
    this.setState('closed');
  }

  /** Test and diagnostics hook: drops the socket without `bye`, as a network failure would. */
  dropSocket() {
    if (this.ws) this.ws.close(4000, 'dropped by client');
  }

  // ---- internals ----

  setState(/** @type {SignalingState} */ s) {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  sendRaw(/** @type {Msg} */ msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.welcome && this.state === 'open') {
      this.ws.send(JSON.stringify(msg));
    } else {
      this.outbox.push(msg);
    }
  }

  open() {
    this.closing = false;
    this.setState(this.resumeToken ? 'reconnecting' : 'connecting');
    let ws;
    try { ws = new WebSocket(this.url, 'rtcstack.v1'); } catch (e) {
      this.emit('error', { code: 'unreachable', message: String(e), fatal: true });
      this.setState('failed');
      return;
    }
    this.ws = ws;
    this.welcome = null;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.lastHeard = Date.now();
      /** @type {Msg} */ const hello = { type: 'hello', v: 1, token: this.token };
      if (this.resumeToken) { hello.resume = this.resumeToken; hello.lastSeq = this.lastSeq; }
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      this.lastHeard = Date.now();
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      this.onMessage(msg);
    };
    ws.onclose = (ev) => { if (ws === this.ws) this.onClose(ev, opened); };
  }

  onMessage(/** @type {Msg} */ msg) {
    if (msg.type === 'welcome') return this.onWelcome(msg);
    if (msg.re && this.pending.has(msg.re)) {
      const p = this.pending.get(msg.re);
      this.pending.delete(msg.re);
      clearTimeout(p.timer);
      if (msg.type === 'error') p.reject({ code: msg.code, message: msg.message }); else p.resolve(msg);
      return;
    }
    if (msg.type === 'error') {
      if (msg.code === 'resume-failed') { this.lastSeq = 0; this.emit('session-reset', msg); return; }
      this.lastError = msg;
      if (FATAL_CODES.has(msg.code)) return; // the close that follows reports it, once
      this.emit('error', { code: msg.code, message: msg.message, fatal: false });
      return;
    }
    if (msg.type === 'pong' || msg.type === 'ack') return;
    if (typeof msg.seq === 'number') {
      if (msg.seq <= this.lastSeq) return; // a replayed message we already processed
      this.lastSeq = msg.seq;
    }
    if (msg.type === 'going-away') {
      this.log(`server going away, reconnecting in ${msg.reconnectInMs} ms`);
      this.goingAwayDelay = msg.reconnectInMs || 1000;
    }
    this.emit('message', msg);
  }

  onWelcome(/** @type {Msg} */ msg) {
    const resumed = !!msg.resumed;
    if (!resumed) this.lastSeq = 0;
    this.welcome = msg;
    this.resumeToken = msg.resumeToken;
    this.resumeWindowMs = msg.resumeWindowMs || 30000;
    this.attempt = 0;
    this.lostAt = 0;
    this.startHeartbeat(msg.heartbeat || { intervalMs: 15000, timeoutMs: 45000 });
    this.scheduleRefresh(msg.expiresAt);
    this.setState('open');
    const queued = this.outbox;
    this.outbox = [];
    for (const m of queued) this.ws.send(JSON.stringify(m));
    this.emit('welcome', msg);
  }

  /** With `getToken`, swaps in a fresh token (`refresh`) a minute before the current one expires. */
  scheduleRefresh(/** @type {number|undefined} */ expiresAt) {
    clearTimeout(this.refreshTimer);
    if (!this.getToken || !expiresAt) return;
    const delay = Math.max(5000, expiresAt - Date.now() - 60000);
    if (delay > 2 ** 31 - 1) return;
    this.refreshTimer = setTimeout(async () => {
      try {
        const token = await this.getToken();
        const ack = await this.request({ type: 'refresh', token });
        this.token = token;
        if (this.welcome) this.welcome.expiresAt = ack.expiresAt;
        this.scheduleRefresh(ack.expiresAt);
      } catch (e) {
        this.log(`token refresh failed: ${e && e.code ? e.code : e}`);
      }
    }, delay);
  }

  startHeartbeat(/** @type {{intervalMs: number, timeoutMs: number}} */ hb) {
    clearInterval(this.heartbeatTimer);
    const interval = Math.max(1000, hb.intervalMs || 15000);
    const timeout = Math.max(interval * 2, hb.timeoutMs || 45000);
    this.heartbeatTimer = setInterval(() => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
      if (Date.now() - this.lastHeard > timeout) { this.log('heartbeat lost, reconnecting'); this.ws.close(4000, 'heartbeat lost'); return; }
      this.ws.send(JSON.stringify({ type: 'ping', id: `p${this.nextId++}` }));
    }, interval);
  }

  onClose(/** @type {CloseEvent} */ ev, /** @type {boolean} */ opened) {
    clearInterval(this.heartbeatTimer);
    this.ws = null;
    for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject({ code: 'connection-lost', message: 'connection lost' }); }
    this.pending.clear();
    if (this.closing) { this.setState('closed'); return; }
    const fatal = FATAL_CLOSE.get(ev.code);
    if (fatal) {
      const message = (this.lastError && this.lastError.message) || ev.reason || fatal;
      this.emit('error', { code: fatal, message, fatal: true, closeCode: ev.code });
      this.setState('failed');
      return;
    }
    if (!this.lostAt) this.lostAt = Date.now();
    if (!this.welcome && !this.resumeToken && !opened && this.attempt >= 3) {
      this.emit('error', { code: 'unreachable', message: 'cannot reach the signaling server', fatal: true });
      this.setState('failed');
      return;
    }
    this.setState(this.resumeToken ? 'reconnecting' : 'connecting');
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    const base = this.goingAwayDelay || Math.min(5000, 250 * 2 ** this.attempt);
    this.goingAwayDelay = 0;
    const delay = base / 2 + Math.random() * base / 2;
    this.attempt++;
    setTimeout(async () => {
      if (this.closing) return;
      if (this.getToken && this.welcome && this.welcome.expiresAt && Date.now() > this.welcome.expiresAt - 30000) {
        try { this.token = await this.getToken(); } catch (e) { this.log(`token refresh failed: ${e}`); }
      }
      this.open();
    }, delay);
  }
}
