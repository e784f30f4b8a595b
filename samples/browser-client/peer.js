// One RTCPeerConnection to one remote member, negotiated with the "perfect negotiation" pattern
// (W3C webrtc-pc, section 10 example): either side may start a negotiation at any time; when two offers
// cross (glare) the *polite* peer rolls its own offer back and answers, the impolite one ignores the
// incoming offer. Rule: the peer whose id is lexicographically greater (JavaScript string order) is polite.
import { Emitter } from './emitter.js';
import { acceptFileChannel, FILE_LABEL } from './files.js';
import { summarizeStats } from './stats.js';

/** Seconds an ICE connection may stay `disconnected` before we restart ICE. */
const DISCONNECTED_RESTART_MS = 4000;

/**
 * Events: `track` ({track, stream}), `state` (RTCPeerConnectionState), `chat-message` (parsed JSON from the
 * chat channel), `chat-open`, `file-channel` (an incoming RTCDataChannel for a file), `closed`.
 */
export class PeerLink extends Emitter {
  /**
   * @param {{selfId: string, remoteId: string, rtcConfig: RTCConfiguration,
   *   signal: (msg: {type: string, [k: string]: any}) => void, log?: (s: string) => void}} opts
   */
  constructor(opts) {
    super();
    this.selfId = opts.selfId;
    this.remoteId = opts.remoteId;
    this.polite = opts.selfId > opts.remoteId;
    this.signal = opts.signal;
    this.log = opts.log || (() => {});
    this.pc = new RTCPeerConnection(opts.rtcConfig);
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.isSettingRemoteAnswerPending = false;
    this.restarting = false;
    this.closed = false;
    /** Incoming signals are handled one at a time, in arrival order. */
    this.queue = Promise.resolve();
    /** The remote member's tracks, in one stream that keeps its identity for the whole call. */
    this.remoteStream = new MediaStream();
    /** @type {Map<string, RTCRtpSender>} */ this.senders = new Map();
    this.prevStats = null;
    this.disconnectTimer = null;
    /** Set by the client when this link was opened to answer a peer that rebuilt its own (rtcstack.js). */
    this.answersRebuild = false;
    /** The sess-id of the remote description (see isOtherConnection); '' until one is set. */
    this.remoteSessionId = '';
    // Chat: a pre-negotiated ordered, reliable channel with the same id on both sides (no DCEP race).
    this.chat = this.pc.createDataChannel('rtcstack-chat', { negotiated: true, id: 0, ordered: true });
    this.chat.onmessage = (ev) => {
      try { this.emit('chat-message', JSON.parse(ev.data)); } catch { /* ignore junk */ }
    };
    /** Chat sent before the channel opened, delivered (in order) once it does. */
    this.chatBacklog = /** @type {string[]} */ ([]);
    this.chat.onopen = () => {
      for (const m of this.chatBacklog.splice(0)) this.chat.send(m);
      this.emit('chat-open');
    };
    this.wire();
  }

  wire() {
    const pc = this.pc;
    pc.onnegotiationneeded = () => this.negotiate();
    pc.onicecandidate = ({ candidate }) => {
      // A null candidate is end-of-candidates; it is forwarded as `candidate: null` (docs/protocol.md).
      this.signal({ type: 'candidate', candidate: candidate ? candidate.toJSON() : null });
    };
    pc.ontrack = ({ track }) => {
      this.remoteStream.addTrack(track);
      track.onended = () => this.remoteStream.removeTrack(track);
      this.emit('track', { track, stream: this.remoteStream });
    };
    pc.ondatachannel = ({ channel }) => {
      if (channel.label === FILE_LABEL) this.emit('file-channel', acceptFileChannel(channel));
    };
    pc.onconnectionstatechange = () => this.emit('state', pc.connectionState);
    pc.oniceconnectionstatechange = () => {
      const s = pc.iceConnectionState;
      clearTimeout(this.disconnectTimer);
      if (s === 'failed') this.restartIce('ice failed');
      else if (s === 'disconnected') this.disconnectTimer = setTimeout(() => {
        if (pc.iceConnectionState === 'disconnected') this.restartIce('ice disconnected');
      }, DISCONNECTED_RESTART_MS);
    };
  }

  async negotiate() {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const iceRestart = this.restarting;
      this.restarting = false;
      this.signal({ type: 'offer', sdp: this.pc.localDescription.sdp, ...(iceRestart ? { iceRestart: true } : {}) });
    } catch (e) {
      this.log(`${this.remoteId}: offer failed: ${e}`);
    } finally {
      this.makingOffer = false;
    }
  }

  /** Queues one incoming `offer`, `answer` or `candidate` from this member. */
  handleSignal(/** @type {{type: string, sdp?: string, candidate?: RTCIceCandidateInit|null}} */ msg) {
    this.queue = this.queue.then(() => this.applySignal(msg)).catch((e) => this.log(`${this.remoteId}: ${msg.type}: ${e}`));
    return this.queue;
  }

  async applySignal(/** @type {{type: string, sdp?: string, candidate?: RTCIceCandidateInit|null}} */ msg) {
    if (this.closed) return;
    const pc = this.pc;
    if (msg.type === 'offer' || msg.type === 'answer') {
      const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.isSettingRemoteAnswerPending);
      const offerCollision = msg.type === 'offer' && !readyForOffer;
      this.ignoreOffer = !this.polite && offerCollision;
      if (this.ignoreOffer) { this.log(`${this.remoteId}: glare, ignoring their offer (impolite)`); return; }
      if (offerCollision) this.log(`${this.remoteId}: glare, rolling back our offer (polite)`);
      this.isSettingRemoteAnswerPending = msg.type === 'answer';
      await pc.setRemoteDescription({ type: msg.type, sdp: msg.sdp }); // rolls back our offer implicitly on glare
      this.remoteSessionId = sdpSessionId(msg.sdp);
      this.isSettingRemoteAnswerPending = false;
      if (msg.type === 'offer') {
        await pc.setLocalDescription();
        this.signal({ type: 'answer', sdp: pc.localDescription.sdp });
      }
    } else if (msg.type === 'candidate') {
      try {
        if (msg.candidate) await pc.addIceCandidate(msg.candidate);
        else await pc.addIceCandidate(); // end-of-candidates
      } catch (e) {
        if (!this.ignoreOffer) this.log(`${this.remoteId}: addIceCandidate: ${e}`);
      }
    }
  }

  /**
   * True when `sdp` (an offer) comes from another RTCPeerConnection than the one this link negotiated with: the
   * `o=` line's sess-id stays the same for the life of a connection, ICE restarts included (RFC 8829 5.2.1).
   */
  isOtherConnection(/** @type {string|undefined} */ sdp) {
    const id = sdpSessionId(sdp);
    return !!this.remoteSessionId && !!id && id !== this.remoteSessionId;
  }

  /** Sends our camera/microphone (or replaces what we sent) to this member. */
  setLocalStream(/** @type {MediaStream|null} */ stream) {
    if (this.closed) return;
    const tracks = stream ? stream.getTracks() : [];
    for (const kind of ['audio', 'video']) {
      const track = tracks.find((t) => t.kind === kind) || null;
      const sender = this.senders.get(kind);
      if (sender) sender.replaceTrack(track).catch((e) => this.log(`replaceTrack: ${e}`));
      else if (track) this.senders.set(kind, this.pc.addTrack(track, stream));
    }
  }

  /** Replaces the outgoing track of one kind without renegotiation (screen share, device switch). */
  replaceTrack(/** @type {'audio'|'video'} */ kind, /** @type {MediaStreamTrack|null} */ track) {
    const sender = this.senders.get(kind);
    return sender ? sender.replaceTrack(track) : Promise.resolve();
  }

  /** ICE restart: new credentials, new candidates, same call (after failure or a network change). */
  restartIce(/** @type {string} */ why) {
    if (this.closed || this.pc.signalingState === 'closed') return;
    this.log(`${this.remoteId}: ICE restart (${why})`);
    this.restarting = true;
    this.pc.restartIce();
  }

  /** Sends one JSON message on the chat channel; chat (not typing) waits for the channel to open. @param {any} obj */
  sendChat(obj) {
    const text = JSON.stringify(obj);
    if (this.chat.readyState === 'open') this.chat.send(text);
    else if (this.chat.readyState === 'connecting' && obj.t === 'chat') this.chatBacklog.push(text);
    else return false;
    return true;
  }

  /** A getStats() summary with rates computed against the previous call. */
  async stats() {
    const report = await this.pc.getStats();
    const s = summarizeStats(report, this.prevStats);
    this.prevStats = s.raw;
    return s;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.disconnectTimer);
    for (const t of this.remoteStream.getTracks()) this.remoteStream.removeTrack(t);
    try { this.pc.close(); } catch { /* already closed */ }
    this.emit('closed');
  }
}

/** The sess-id of an SDP's `o=` line (RFC 8866 5.2), or '' when there is none. */
function sdpSessionId(/** @type {string|undefined} */ sdp) {
  const m = /^o=\S+ (\d+) /m.exec(sdp || '');
  return m ? m[1] : '';
}
