// The call view's pieces that only render: video tiles, chat messages, file transfers, toasts.

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

export function initials(/** @type {string} */ name) {
  const parts = String(name || '?').trim().split(/\s+/);
  return ((parts[0]?.[0] || '?') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}

export function toast(/** @type {string} */ text, kind = '', ms = 5000) {
  const el = document.createElement('div');
  el.className = `toast ${kind}`;
  el.textContent = text;
  $('toasts').append(el);
  setTimeout(() => el.remove(), ms);
}

export function formatBytes(/** @type {number} */ n) {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n, i = -1;
  do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** The responsive grid of video tiles, one per member plus ourselves. */
export class VideoGrid {
  constructor() {
    this.grid = $('grid');
    /** @type {Map<string, {el: HTMLElement, video: HTMLVideoElement, label: HTMLElement, state: HTMLElement, avatar: HTMLElement}>} */
    this.tiles = new Map();
    new ResizeObserver(() => this.layout()).observe(this.grid);
  }

  /** @param {string} id @param {string} name @param {boolean} self */
  ensure(id, name, self = false) {
    let t = this.tiles.get(id);
    if (!t) {
      const el = document.createElement('div');
      el.className = `tile${self ? ' self' : ''}`;
      el.dataset.peer = id;
      el.innerHTML = '<div class="avatar"></div><video autoplay playsinline></video><div class="label"><span class="name"></span><svg class="mic-off" hidden><use href="#i-mic-off"/></svg></div><div class="state" hidden></div>';
      const video = /** @type {HTMLVideoElement} */ (el.querySelector('video'));
      video.muted = self;
      t = { el, video, label: el.querySelector('.name'), state: el.querySelector('.state'), avatar: el.querySelector('.avatar') };
      this.tiles.set(id, t);
      this.grid.append(el);
      this.layout();
    }
    t.label.textContent = self ? `${name} (you)` : name;
    t.avatar.textContent = initials(name);
    return t;
  }

  /** @param {string} id @param {MediaStream} stream */
  attach(id, stream) {
    const t = this.tiles.get(id);
    if (!t) return;
    if (t.video.srcObject !== stream) t.video.srcObject = stream;
    t.video.play().catch(() => {
      // Autoplay with sound was refused: play muted and let the user turn sound on.
      t.video.muted = true;
      t.video.play().catch(() => {});
      toast('Click anywhere to turn on the sound.', '', 6000);
      document.addEventListener('click', () => { t.video.muted = false; }, { once: true });
    });
  }

  /** @param {string} id @param {{cam?: boolean, mic?: boolean, screen?: boolean}} meta */
  setMeta(id, meta) {
    const t = this.tiles.get(id);
    if (!t) return;
    t.el.querySelector('.mic-off').toggleAttribute('hidden', meta.mic !== false);
    t.video.style.visibility = meta.cam === false && !meta.screen ? 'hidden' : 'visible';
    t.el.classList.toggle('screen', !!meta.screen);
  }

  setState(/** @type {string} */ id, /** @type {string} */ text) {
    const t = this.tiles.get(id);
    if (!t) return;
    t.state.textContent = text;
    t.state.hidden = !text;
  }

  setSpeaking(/** @type {string} */ id, /** @type {boolean} */ on) { this.tiles.get(id)?.el.classList.toggle('speaking', on); }

  remove(/** @type {string} */ id) {
    const t = this.tiles.get(id);
    if (t) { t.video.srcObject = null; t.el.remove(); this.tiles.delete(id); this.layout(); }
  }

  clear() { for (const id of [...this.tiles.keys()]) this.remove(id); }

  /** Picks the column count that gives the largest 4:3 tiles in the space available. */
  layout() {
    const n = Math.max(1, this.tiles.size);
    const gap = 12;
    const W = this.grid.clientWidth, H = this.grid.clientHeight;
    if (!W || !H) return;
    let best = { cols: 1, w: 0, h: 0 };
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      const cellW = (W - gap * (cols - 1)) / cols, cellH = (H - gap * (rows - 1)) / rows;
      const w = Math.min(cellW, (cellH * 4) / 3);
      if (w > best.w) best = { cols, w, h: (w * 3) / 4 };
    }
    this.grid.style.setProperty('--cols', String(best.cols));
    this.grid.style.setProperty('--tile-w', `${Math.floor(best.w)}px`);
    this.grid.style.setProperty('--tile-h', `${Math.floor(best.h)}px`);
  }
}

/** Appends one chat message; keeps the view scrolled to the bottom. */
export function renderChat(/** @type {{name: string, text: string, ts: number, self: boolean}} */ m) {
  const list = $('messages');
  const li = document.createElement('li');
  if (m.self) li.className = 'self';
  const meta = document.createElement('div');
  meta.className = 'meta';
  const who = document.createElement('b');
  who.textContent = m.self ? 'You' : m.name;
  const time = document.createElement('time');
  time.textContent = new Date(m.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  meta.append(who, time);
  const text = document.createElement('div');
  text.className = 'text';
  text.textContent = m.text;
  li.append(meta, text);
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(li);
  if (atBottom || m.self) list.scrollTop = list.scrollHeight;
}

/** One row in the Files tab, kept up to date from the transfer's events. */
export function renderTransfer(/** @type {any} */ tr, /** @type {string} */ peerName) {
  const li = document.createElement('li');
  li.innerHTML = '<div class="head"><span class="name"></span><button type="button">Cancel</button></div><div class="bar"><i></i></div><div class="sub"><span class="left"></span><span class="right"></span></div>';
  li.querySelector('.name').textContent = `${tr.direction === 'send' ? '↑' : '↓'} ${tr.name}`;
  const left = li.querySelector('.left'), right = li.querySelector('.right');
  const bar = /** @type {HTMLElement} */ (li.querySelector('.bar > i'));
  const btn = li.querySelector('button');
  btn.onclick = () => tr.cancel();
  left.textContent = `${tr.direction === 'send' ? 'to' : 'from'} ${peerName} · ${formatBytes(tr.size)}`;
  tr.on('progress', (p) => {
    bar.style.width = `${p.size ? (100 * p.bytes) / p.size : 100}%`;
    right.textContent = `${formatBytes(p.bytes)} of ${formatBytes(p.size)} · ${formatBytes(p.bytesPerSecond)}/s`;
  });
  tr.on('done', (d) => {
    btn.remove();
    bar.style.width = '100%';
    li.classList.add(d.ok ? 'ok' : 'failed');
    right.textContent = d.ok ? 'SHA-256 verified ✓' : 'Checksum mismatch ✗';
    right.title = `SHA-256 ${d.sha256}`;
    if (d.url && d.ok) {
      const a = document.createElement('a');
      a.href = d.url;
      a.download = tr.name;
      a.textContent = 'Save file';
      li.querySelector('.head').append(a);
    }
  });
  tr.on('cancelled', (c) => { btn.remove(); li.classList.add('cancelled'); right.textContent = c.by === 'me' ? 'Cancelled' : 'Cancelled by the other side'; });
  tr.on('error', (e) => { btn.remove(); li.classList.add('failed'); right.textContent = `Failed: ${e}`; });
  $('transfers').prepend(li);
}
