// RtcStack browser SDK: signaling session, presence, invitations, a mesh of RTCPeerConnections (one per
// remote member, perfect negotiation), chat and files over RTCDataChannel, and call-quality stats.
// ES module, no build step. See docs/browser-sdk.md.
import { Emitter } from './emitter.js';
import { SignalingConnection, ERROR_TEXT } from './signaling.js';
import { PeerLink } from './peer.js';
import { sendFile } from './files.js';

export { ERROR_TEXT } from './signaling.js';
export { Sha256 } from './sha256.js';

/**
 * @typedef {{peer: string, meta: Record<string, any>}} Member
 * @typedef {{id: string, from: string, name: string, text: string, ts: number, self: boolean}} ChatMessage
 * @typedef {{
 *   url?: string, token: string, getToken?: () => Promise<string>, meta?: Record<string, any>,
 *   iceTransportPolicy?: RTCIceTransportPolicy, extraIceServers?: RTCIceServer[], log?: (s: string) => void
 * }} ClientOptions
 */

/** Default signaling URL: `/ws` on the page's own origin. */
export function defaultSignalingUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/**
 * The client. Events:
 * - `state` ('connecting'|'connected'|'reconnecting'|'failed'|'closed'), `error` ({code, message, fatal, text})
 * - `welcome` (server welcome), `resumed`, `session-reset`
 * - `members` (Member[] after a join), `member-joined` (Member and `restored`: true after a presence repair),
 *   `member-updated` (Member), `member-left` ({peer, reason})
 * - `track` ({peer, track, stream}), `peer-state` ({peer, state}), `peer-replaced` ({peer}: the link was rebuilt)
 * - `chat` (ChatMessage), `typing` ({peer, name, typing})
 * - `file` (FileTransfer, both directions: listen to its `progress`, `done`, `cancelled`)
 * - `invite` ({callId, from, room, meta, expiresAt}), `ringing` / `accepted` / `declined` / `cancelled` /
 *   `hangup` ({callId, from, reason?}), `invite-timeout` ({callId})
 */
export class RtcStackClient extends Emitter {
  /** @param {ClientOptions} opts */
  constructor(opts) {
    super();
    this.opts = opts;
    this.log = opts.log || (() => {});
    this.meta = { ...(opts.meta || {}) };
    this.signaling = new SignalingConnection({ url: opts.url || defaultSignalingUrl(), token: opts.token, getToken: opts.getToken, log: this.log });
    /** @type {string|null} */ this.peerId = null;
    /** @type {string|null} */ this.room = null;
    /** @type {Map<string, Member>} */ this.members = new Map();
    /** @type {Map<string, PeerLink>} */ this.peers = new Map();
    /** @type {MediaStream|null} */ this.localStream = null;
    /** @type {RTCIceServer[]} */ this.iceServers = [];
    this.state = 'idle';
    this.chatSeq = 0;
    this.wireSignaling();
  }

  /** Connects and authenticates; resolves with the welcome. Rejects with {code, message, text}. */
  async connect() {
    try {
      return await this.signaling.connect();
    } catch (e) {
      throw { ...e, text: ERROR_TEXT[e.code] || e.message };
    }
  }

  /** Joins a room and connects to everyone already in it. Resolves with the member list. */
  async join(/** @type {string} */ room, /** @type {Record<string, any>} */ meta = this.meta) {
    if (this.room && this.room !== room) await this.leave(); // one room at a time
    this.meta = { ...meta };
    try {
      const joined = await this.signaling.request({ type: 'join', room, meta: this.meta });
      this.room = room;
      this.members.clear();
      for (const m of joined.members || []) this.members.set(m.peer, { peer: m.peer, meta: m.meta || {} });
      this.emit('members', [...this.members.values()]);
      // The newcomer starts the negotiation with every member already present.
      for (const m of this.members.values()) this.ensurePeer(m.peer);
      return [...this.members.values()];
    } catch (e) {
      throw { ...e, text: ERROR_TEXT[e.code] || e.message };
    }
  }

  /** Leaves the room: closes every peer connection. */
  async leave() {
    const room = this.room;
    this.room = null;
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
    this.members.clear();
    if (room) await this.signaling.request({ type: 'leave', room }).catch(() => {});
  }

  /** Changes our public `meta` (name, muted flags…); others get `member-updated`. */
  updateMeta(/** @type {Record<string, any>} */ patch) {
    this.meta = { ...this.meta, ...patch };
    if (this.room) this.signaling.send({ type: 'update', room: this.room, meta: this.meta });
  }

  /** Sets the camera/microphone stream sent to every member (null: send nothing). */
  setLocalStream(/** @type {MediaStream|null} */ stream) {
    this.localStream = stream;
    for (const p of this.peers.values()) p.setLocalStream(stream);
  }

  /** Replaces the outgoing video (screen share) or audio track everywhere, without renegotiation. */
  async replaceTrack(/** @type {'audio'|'video'} */ kind, /** @type {MediaStreamTrack|null} */ track) {
    await Promise.all([...this.peers.values()].map((p) => p.replaceTrack(kind, track)));
  }

  /** Sends a chat message to every member, over the data channels. @returns {ChatMessage} */
  sendChat(/** @type {string} */ text) {
    const msg = { t: 'chat', id: `${this.peerId}-${++this.chatSeq}`, text: String(text), ts: Date.now(), name: this.meta.name || this.peerId };
    for (const p of this.peers.values()) p.sendChat(msg);
    return { id: msg.id, from: this.peerId || '', name: msg.name, text: msg.text, ts: msg.ts, self: true };
  }

  /** Tells the others whether we are typing. */
  setTyping(/** @type {boolean} */ typing) {
    for (const p of this.peers.values()) p.sendChat({ t: 'typing', typing: !!typing, name: this.meta.name || this.peerId });
  }

  /**
   * Sends a file (File or Blob) to one member, or to every member when `to` is omitted.
   * @returns {import('./files.js').FileTransfer[]}
   */
  sendFile(/** @type {Blob} */ file, /** @type {string=} */ to) {
    const targets = to ? [this.peers.get(to)].filter(Boolean) : [...this.peers.values()];
    return targets.map((p) => {
      const tr = sendFile(p.pc, p.remoteId, file);
      this.emit('file', tr);
      return tr;
    });
  }

  /** Rings `to`; resolves with the call id. The callee joins `room` when it accepts. */
  async invite(/** @type {string} */ to, /** @type {string} */ room, /** @type {Record<string, any>} */ meta = this.meta) {
    const ack = await this.signaling.request({ type: 'invite', to, room, meta });
    return ack.callId;
  }

  accept(/** @type {string} */ callId) { return this.signaling.request({ type: 'accept', callId }); }
  decline(/** @type {string} */ callId, reason = 'declined') { return this.signaling.request({ type: 'decline', callId, reason }); }
  cancel(/** @type {string} */ callId) { return this.signaling.request({ type: 'cancel', callId }); }
  hangup(/** @type {string} */ callId) { return this.signaling.request({ type: 'hangup', callId }); }

  /** Call-quality summary for one member (see stats.js). */
  getStats(/** @type {string} */ peer) {
    const p = this.peers.get(peer);
    return p ? p.stats() : Promise.resolve(null);
  }

  /** Restarts ICE with every member (e.g. after the network changed). */
  restartIce(why = 'requested') {
    for (const p of this.peers.values()) p.restartIce(why);
  }

  /** Leaves, says `bye` and closes everything. */
  async close() {
    await this.leave().catch(() => {});
    this.signaling.close();
    window.removeEventListener('online', this.onOnline);
  }

  // ---- internals ----

  setState(/** @type {string} */ s) {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  wireSignaling() {
    const sig = this.signaling;
    sig.on('state', (s) => this.setState(s === 'open' ? 'connected' : s === 'idle' ? 'connecting' : s));
    sig.on('error', (e) => this.emit('error', { ...e, text: ERROR_TEXT[e.code] || e.message }));
    sig.on('welcome', (w) => this.onWelcome(w));
    sig.on('session-reset', () => { this.resetPending = true; });
    sig.on('message', (m) => this.onEvent(m));
    this.onOnline = () => this.restartIce('network changed');
    window.addEventListener('online', this.onOnline);
  }

  onWelcome(/** @type {any} */ w) {
    this.peerId = w.peer;
    this.iceServers = w.iceServers || [];
    const first = !this.welcomed;
    this.welcomed = true;
    this.emit('welcome', w);
    if (first) return;
    if (w.resumed) { this.emit('resumed', w); return; }
    // A fresh session replaced ours: our room membership is gone, rejoin and reconnect to everyone.
    this.emit('session-reset', w);
    if (this.room) {
      const room = this.room;
      for (const p of this.peers.values()) p.close();
      this.peers.clear();
      this.join(room).catch((e) => this.emit('error', { ...e, fatal: false }));
    }
  }

  rtcConfig() {
    return {
      iceServers: [...this.iceServers, ...(this.opts.extraIceServers || [])],
      iceTransportPolicy: this.opts.iceTransportPolicy || 'all',
    };
  }

  /** The PeerLink for `peer`, created on first use. */
  ensurePeer(/** @type {string} */ peer) {
    let link = this.peers.get(peer);
    if (link) return link;
    const room = this.room;
    link = new PeerLink({
      selfId: this.peerId || '', remoteId: peer, rtcConfig: this.rtcConfig(), log: this.log,
      signal: (msg) => { if (this.room === room) this.signaling.send({ ...msg, room, to: peer }); },
    });
    this.peers.set(peer, link);
    link.on('track', (e) => this.emit('track', { peer, ...e }));
    link.on('state', (state) => this.emit('peer-state', { peer, state }));
    link.on('chat-message', (m) => this.onChatMessage(peer, m));
    link.on('file-channel', (tr) => {
      tr.peer = peer;
      tr.on('offer', () => this.emit('file', tr));
    });
    if (this.localStream) link.setLocalStream(this.localStream);
    return link;
  }

  /**
   * Closes the link with `peer` and opens a fresh one. The fresh RTCPeerConnection offers on its own (its chat
   * channel needs negotiation); an offer handed to it right away is answered instead (perfect negotiation).
   */
  replacePeer(/** @type {string} */ peer) {
    const old = this.peers.get(peer);
    if (old) { old.close(); this.peers.delete(peer); }
    const link = this.ensurePeer(peer);
    this.emit('peer-replaced', { peer });
    return link;
  }

  onChatMessage(/** @type {string} */ peer, /** @type {any} */ m) {
    const name = (this.members.get(peer)?.meta?.name) || m.name || peer;
    if (m.t === 'chat') this.emit('chat', { id: String(m.id), from: peer, name, text: String(m.text), ts: Number(m.ts) || Date.now(), self: false });
    else if (m.t === 'typing') this.emit('typing', { peer, name, typing: !!m.typing });
  }

  onEvent(/** @type {any} */ m) {
    switch (m.type) {
      case 'member-joined': {
        if (m.room !== this.room) return;
        const old = this.peers.get(m.peer);
        const member = { peer: m.peer, meta: m.meta || {}, restored: m.restored === true };
        this.members.set(m.peer, member);
        this.emit('member-joined', member);
        // A real newcomer sends the first offer. A peer we already had a link with (a new session of that
        // identity) or a link a presence repair says is broken (`restored`, docs/protocol.md) is rebuilt by both
        // sides at once: a fresh RTCPeerConnection offers, and perfect negotiation settles the glare.
        // A link already rebuilt for the other side's fresh offer (it heard of the repair first) is kept.
        if (old?.answersRebuild) old.answersRebuild = false;
        else if (old || member.restored) this.replacePeer(m.peer);
        return;
      }
      case 'member-updated':
        if (m.room !== this.room) return;
        this.members.set(m.peer, { peer: m.peer, meta: m.meta || {} });
        this.emit('member-updated', this.members.get(m.peer));
        return;
      case 'member-left': {
        if (m.room !== this.room) return;
        if (!this.members.has(m.peer) && !this.peers.has(m.peer)) return; // a peer we never listed (repair)
        this.members.delete(m.peer);
        const link = this.peers.get(m.peer);
        if (link) { link.close(); this.peers.delete(m.peer); }
        this.emit('member-left', { peer: m.peer, reason: m.reason });
        return;
      }
      case 'offer': case 'answer': case 'candidate':
        if (m.room !== this.room || !this.room) return;
        if (!this.members.has(m.from)) this.members.set(m.from, { peer: m.from, meta: {} });
        // An offer from another RTCPeerConnection than the one our link talks to: the other side rebuilt its
        // link (a new session, a presence repair we have not heard of yet); answer it on a fresh link.
        if (m.type === 'offer' && this.peers.get(m.from)?.isOtherConnection(m.sdp)) this.replacePeer(m.from).answersRebuild = true;
        this.ensurePeer(m.from).handleSignal(m);
        return;
      case 'invite':
        this.signaling.send({ type: 'ringing', callId: m.callId }); // tell the caller we are ringing
        this.emit('invite', m);
        return;
      case 'ringing': case 'accepted': case 'declined': case 'cancelled': case 'hangup': case 'invite-timeout':
        this.emit(m.type, m);
        return;
      case 'message':
        this.emit('signal-message', m);
        return;
      default:
        this.log(`unhandled event ${m.type}`);
    }
  }
}
