// The call-quality panel: per remote member, small live graphs (canvas) drawn from getStats() summaries.

const POINTS = 60;
const SERIES = [
  { key: 'bitrateInKbps', label: 'In', unit: 'kbps', color: '#4f7cff' },
  { key: 'bitrateOutKbps', label: 'Out', unit: 'kbps', color: '#8a5cff' },
  { key: 'packetLossPercent', label: 'Loss', unit: '%', color: '#ef4b5b', min: 5 },
  { key: 'rttMs', label: 'RTT', unit: 'ms', color: '#f0b429', min: 20 },
  { key: 'jitterMs', label: 'Jitter', unit: 'ms', color: '#2fbf71', min: 10 },
  { key: 'fps', label: 'FPS', unit: '', color: '#36c5f0', min: 30 },
];

const PAIR_TEXT = { host: 'direct (host)', srflx: 'direct via NAT (srflx)', prflx: 'direct (prflx)', relay: 'relayed (TURN)' };

export class QualityPanel {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    /** @type {Map<string, {el: HTMLElement, sub: HTMLElement, graphs: Array<{canvas: HTMLCanvasElement, value: HTMLElement, data: number[]}>}>} */
    this.peers = new Map();
    this.empty = document.createElement('p');
    this.empty.className = 'muted';
    this.empty.textContent = 'Quality graphs appear here once someone else joins.';
    root.append(this.empty);
  }

  /** @param {string} peer @param {string} name @param {import('./stats.js').StatsSummary} s */
  update(peer, name, s) {
    let p = this.peers.get(peer);
    if (!p) p = this.add(peer);
    p.el.querySelector('h3 b').textContent = name;
    const pair = s.pairType ? (PAIR_TEXT[s.pairType] || s.pairType) + (s.relayProtocol ? ` / ${s.relayProtocol}` : '') : 'connecting…';
    const res = s.frameWidth ? ` · ${s.frameWidth}×${s.frameHeight}` : '';
    p.sub.textContent = pair + res;
    SERIES.forEach((def, i) => {
      const g = p.graphs[i];
      const v = s[def.key];
      g.data.push(typeof v === 'number' && Number.isFinite(v) ? v : 0);
      if (g.data.length > POINTS) g.data.shift();
      g.value.textContent = typeof v === 'number' ? `${v < 10 && def.unit !== 'kbps' ? v.toFixed(1) : Math.round(v)} ${def.unit}` : '–';
      draw(g.canvas, g.data, def.color, def.min || 1);
    });
  }

  remove(/** @type {string} */ peer) {
    const p = this.peers.get(peer);
    if (p) { p.el.remove(); this.peers.delete(peer); }
    this.empty.hidden = this.peers.size > 0;
  }

  add(/** @type {string} */ peer) {
    const el = document.createElement('div');
    el.className = 'peer-quality';
    el.innerHTML = '<h3><b></b><span></span></h3><div class="graphs"></div>';
    const graphsEl = el.querySelector('.graphs');
    const graphs = SERIES.map((def) => {
      const box = document.createElement('div');
      box.className = 'graph';
      box.innerHTML = `${def.label} <b></b><canvas width="150" height="36"></canvas>`;
      graphsEl.append(box);
      return { canvas: box.querySelector('canvas'), value: box.querySelector('b'), data: [] };
    });
    const p = { el, sub: el.querySelector('h3 span'), graphs };
    this.peers.set(peer, p);
    this.root.append(el);
    this.empty.hidden = true;
    return p;
  }
}

/** @param {HTMLCanvasElement} c @param {number[]} data @param {string} color @param {number} minScale */
function draw(c, data, color, minScale) {
  const ctx = c.getContext('2d');
  const w = c.width, h = c.height;
  ctx.clearRect(0, 0, w, h);
  if (data.length < 2) return;
  const max = Math.max(minScale, ...data) * 1.15;
  const step = w / (POINTS - 1);
  const x0 = w - (data.length - 1) * step;
  ctx.beginPath();
  data.forEach((v, i) => {
    const x = x0 + i * step, y = h - (v / max) * (h - 2) - 1;
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.lineTo(w, h);
  ctx.lineTo(x0, h);
  ctx.closePath();
  ctx.globalAlpha = 0.18;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
}
