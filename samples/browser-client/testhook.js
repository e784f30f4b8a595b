// `window.rtcstackTest`: plain, synchronous values the end-to-end tests poll (Playwright's
// WaitForFunction needs a synchronous predicate), plus a few async helpers they call with Evaluate.
import { Sha256 } from './sha256.js';

export function createTestHook() {
  const T = {
    ready: false,
    state: 'idle',
    view: 'lobby',
    callState: 'idle',
    callId: '',
    peerId: '',
    room: /** @type {string|null} */ (null),
    error: /** @type {{code: string, text: string}|null} */ (null),
    errors: /** @type {Array<{code: string, text: string}>} */ ([]),
    mediaError: '',
    welcomes: 0,
    resumed: 0,
    resets: 0,
    members: /** @type {string[]} */ ([]),
    names: /** @type {Record<string, string>} */ ({}),
    peerStates: /** @type {Record<string, string>} */ ({}),
    /** How many times the link with each member was rebuilt (`peer-replaced`). */
    replaced: /** @type {Record<string, number>} */ ({}),
    frames: /** @type {Record<string, number>} */ ({}),
    fps: /** @type {Record<string, number>} */ ({}),
    audio: /** @type {Record<string, {energy: number, level: number, packets: number}>} */ ({}),
    pairs: /** @type {Record<string, any>} */ ({}),
    chat: /** @type {Array<{from: string, name: string, text: string, ts: number}>} */ ([]),
    sentChat: /** @type {string[]} */ ([]),
    typing: /** @type {string[]} */ ([]),
    files: /** @type {any[]} */ ([]),
    invites: /** @type {any[]} */ ([]),
    callLog: /** @type {string[]} */ ([]),
    log: /** @type {string[]} */ ([]),
    client: /** @type {any} */ (null),
    /** When >= 0, outgoing transfers cancel themselves once this many bytes were sent (tests the cancel path at any speed). */
    cancelSendsAfterBytes: -1,
    actions: /** @type {Record<string, Function>} */ ({}),

    /** Records a transfer's progress and result. */
    trackTransfer(/** @type {any} */ tr) {
      const rec = { id: tr.id, direction: tr.direction, peer: tr.peer, name: tr.name, size: tr.size, bytes: 0, progressEvents: 0, state: 'active', ok: null, sha256: '', expected: '' };
      T.files.push(rec);
      tr.on('progress', (/** @type {any} */ p) => {
        rec.bytes = p.bytes;
        rec.progressEvents++;
        if (tr.direction === 'send' && T.cancelSendsAfterBytes >= 0 && p.bytes >= T.cancelSendsAfterBytes && p.bytes < p.size) tr.cancel();
      });
      tr.on('done', (/** @type {any} */ d) => { rec.id = tr.id; rec.ok = d.ok; rec.sha256 = d.sha256; rec.expected = d.expected || d.remoteSha256 || ''; rec.state = d.ok ? 'done' : 'failed'; });
      tr.on('cancelled', () => { rec.state = 'cancelled'; });
      tr.on('error', () => { rec.state = 'failed'; });
      return rec;
    },

    /** Sends `count` chat messages as fast as possible; returns how many went out. */
    sendMany(/** @type {number} */ count, /** @type {string} */ prefix) {
      for (let i = 0; i < count; i++) T.actions.sendChat(`${prefix}${i}`);
      return count;
    },

    /**
     * Generates a random file of `size` bytes in the page, sends it to everyone and returns its SHA-256
     * computed independently with WebCrypto (the transfer itself uses the streaming sha256.js).
     */
    async sendRandomFile(/** @type {number} */ size, name = 'random.bin') {
      const parts = [];
      for (let off = 0; off < size; off += 65536) {
        const chunk = new Uint8Array(Math.min(65536, size - off));
        crypto.getRandomValues(chunk);
        parts.push(chunk);
      }
      const file = new File(parts, name, { type: 'application/octet-stream' });
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
      const sha = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
      T.actions.sendFiles([file]);
      return sha;
    },

    /** The streaming SHA-256 against WebCrypto on a few sizes (block boundaries). */
    async selfTestSha256() {
      for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 200003]) {
        const data = new Uint8Array(n);
        crypto.getRandomValues(data.subarray(0, Math.min(n, 65536)));
        const h = new Sha256();
        for (let i = 0; i < n; i += 777) h.update(data.subarray(i, i + 777));
        const ref = [...new Uint8Array(await crypto.subtle.digest('SHA-256', data))].map((b) => b.toString(16).padStart(2, '0')).join('');
        if (h.digestHex() !== ref) return `mismatch at ${n}`;
      }
      return 'ok';
    },

    /** Drops the signaling socket without `bye`, as a network failure would. */
    dropSignaling() { T.client?.signaling.dropSocket(); },
  };
  return T;
}
