// File transfer over RTCDataChannel, one channel per transfer (label FILE_LABEL), peer to peer.
//
// Wire format on the channel (ordered, reliable):
//   sender -> receiver  text   {"t":"file","id","name","size","mime"}
//   sender -> receiver  binary chunks of at most CHUNK_BYTES, in order
//   sender -> receiver  text   {"t":"end","sha256":"<hex>"}
//   receiver -> sender  text   {"t":"result","ok":bool,"sha256":"<hex>"}
//   either side         text   {"t":"cancel"}  (then the channel closes)
// Integrity: both ends run an incremental SHA-256 (sha256.js) over the bytes as they stream, so the
// digest is the ordinary SHA-256 of the whole file and neither side ever holds the file in memory:
// the sender reads Blob slices, the receiver appends chunks to Blob parts (the browser may page them to disk).
import { Emitter } from './emitter.js';
import { Sha256 } from './sha256.js';

export const FILE_LABEL = 'rtcstack-file';
export const CHUNK_BYTES = 64 * 1024;
/** Pause sending above this much buffered data; resume at bufferedamountlow. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** Receiver: fold chunk parts into one Blob every this many bytes. */
const FOLD_BYTES = 8 * 1024 * 1024;
const PROGRESS_EVERY_MS = 150;

/**
 * One transfer, either direction. Events: `progress` ({bytes, size, bytesPerSecond}),
 * `done` ({ok, sha256, expected?, blob?, url?}), `cancelled` ({by}), `error` (message).
 */
export class FileTransfer extends Emitter {
  /** @param {{id: string, direction: 'send'|'receive', peer: string, name: string, size: number, mime: string, channel: RTCDataChannel}} o */
  constructor(o) {
    super();
    Object.assign(this, o);
    this.bytes = 0;
    this.state = 'pending'; // pending | active | done | failed | cancelled
    this.startedAt = 0;
    this.lastProgressAt = 0;
    this.speedWindow = /** @type {Array<[number, number]>} */ ([]);
    this.sha256 = '';
  }

  /** Stops the transfer on both sides. */
  cancel() {
    if (this.state === 'done' || this.state === 'cancelled' || this.state === 'failed') return;
    try { if (this.channel.readyState === 'open') this.channel.send(JSON.stringify({ t: 'cancel' })); } catch { /* closing */ }
    this.finishCancelled('me');
  }

  finishCancelled(/** @type {string} */ by) {
    if (this.state === 'done' || this.state === 'cancelled') return;
    this.state = 'cancelled';
    setTimeout(() => { try { this.channel.close(); } catch { /* closed */ } }, 50);
    this.emit('cancelled', { by });
  }

  progress(force = false) {
    const now = performance.now();
    if (!force && now - this.lastProgressAt < PROGRESS_EVERY_MS) return;
    this.lastProgressAt = now;
    this.speedWindow.push([now, this.bytes]);
    while (this.speedWindow.length > 2 && now - this.speedWindow[0][0] > 2000) this.speedWindow.shift();
    const [t0, b0] = this.speedWindow[0];
    const bytesPerSecond = now > t0 ? ((this.bytes - b0) * 1000) / (now - t0) : 0;
    this.emit('progress', { bytes: this.bytes, size: this.size, bytesPerSecond });
  }
}

/**
 * Starts sending `file` on a new data channel of `pc`.
 * @param {RTCPeerConnection} pc @param {string} peer @param {Blob & {name?: string}} file
 * @returns {FileTransfer}
 */
export function sendFile(pc, peer, file) {
  const id = crypto.randomUUID();
  const channel = pc.createDataChannel(FILE_LABEL, { ordered: true });
  channel.binaryType = 'arraybuffer';
  channel.bufferedAmountLowThreshold = LOW_WATER;
  const name = file.name || 'file.bin';
  const tr = new FileTransfer({ id, direction: 'send', peer, name, size: file.size, mime: file.type || 'application/octet-stream', channel });
  const maxMessage = (pc.sctp && pc.sctp.maxMessageSize) || CHUNK_BYTES;
  const chunk = Math.min(CHUNK_BYTES, maxMessage);

  channel.onmessage = (ev) => {
    if (typeof ev.data !== 'string') return;
    const m = JSON.parse(ev.data);
    if (m.t === 'cancel') tr.finishCancelled('peer');
    else if (m.t === 'result') {
      tr.state = m.ok ? 'done' : 'failed';
      tr.emit('done', { ok: !!m.ok, sha256: tr.sha256, remoteSha256: m.sha256 });
      channel.close();
    }
  };
  channel.onclose = () => { if (tr.state === 'active' || tr.state === 'pending') tr.finishCancelled('peer'); };
  channel.onopen = () => pump().catch((e) => {
    if (tr.state === 'active') { tr.state = 'failed'; tr.emit('error', String(e)); try { channel.close(); } catch { /* closed */ } }
  });

  const drained = () => new Promise((resolve) => {
    const check = () => {
      if (channel.bufferedAmount <= LOW_WATER || channel.readyState !== 'open') { channel.removeEventListener('bufferedamountlow', check); resolve(); }
    };
    channel.addEventListener('bufferedamountlow', check);
    check();
  });

  async function pump() {
    tr.state = 'active';
    tr.startedAt = performance.now();
    channel.send(JSON.stringify({ t: 'file', id, name, size: file.size, mime: tr.mime }));
    const hash = new Sha256();
    let offset = 0;
    let next = file.size > 0 ? file.slice(0, chunk).arrayBuffer() : null; // read one slice ahead
    while (offset < file.size) {
      const buf = await next;
      const end = offset + buf.byteLength;
      next = end < file.size ? file.slice(end, end + chunk).arrayBuffer() : null;
      if (tr.state !== 'active') return;
      if (channel.bufferedAmount > HIGH_WATER) await drained();
      if (tr.state !== 'active' || channel.readyState !== 'open') return;
      hash.update(buf);
      channel.send(buf);
      offset = end;
      tr.bytes = offset;
      tr.progress();
    }
    tr.sha256 = hash.digestHex();
    channel.send(JSON.stringify({ t: 'end', sha256: tr.sha256 }));
    tr.progress(true);
  }
  return tr;
}

/**
 * Wraps an incoming file channel. The returned transfer emits `offer` once the header arrives.
 * @param {RTCDataChannel} channel
 * @returns {FileTransfer}
 */
export function acceptFileChannel(channel) {
  channel.binaryType = 'arraybuffer';
  const tr = new FileTransfer({ id: '', direction: 'receive', peer: '', name: '', size: 0, mime: '', channel });
  const hash = new Sha256();
  /** @type {BlobPart[]} */ let parts = [];
  let partBytes = 0;
  /** @type {Blob|null} */ let folded = null;

  channel.onmessage = (ev) => {
    if (tr.state === 'cancelled' || tr.state === 'done' || tr.state === 'failed') return;
    if (typeof ev.data !== 'string') {
      const buf = /** @type {ArrayBuffer} */ (ev.data);
      hash.update(buf);
      parts.push(buf);
      partBytes += buf.byteLength;
      tr.bytes += buf.byteLength;
      if (partBytes >= FOLD_BYTES) { folded = new Blob(folded ? [folded, ...parts] : parts); parts = []; partBytes = 0; }
      tr.progress();
      return;
    }
    const m = JSON.parse(ev.data);
    if (m.t === 'file') {
      Object.assign(tr, { id: m.id, name: String(m.name), size: Number(m.size), mime: m.mime || 'application/octet-stream' });
      tr.state = 'active';
      tr.startedAt = performance.now();
      tr.emit('offer', tr);
    } else if (m.t === 'end') {
      tr.sha256 = hash.digestHex();
      const ok = tr.sha256 === m.sha256 && tr.bytes === tr.size;
      channel.send(JSON.stringify({ t: 'result', ok, sha256: tr.sha256 }));
      tr.state = ok ? 'done' : 'failed';
      const blob = new Blob(folded ? [folded, ...parts] : parts, { type: tr.mime });
      parts = []; folded = null;
      tr.progress(true);
      tr.emit('done', { ok, sha256: tr.sha256, expected: m.sha256, blob, url: URL.createObjectURL(blob) });
    } else if (m.t === 'cancel') {
      tr.finishCancelled('peer');
    }
  };
  channel.onclose = () => { if (tr.state === 'active' || tr.state === 'pending') tr.finishCancelled('peer'); };
  return tr;
}
