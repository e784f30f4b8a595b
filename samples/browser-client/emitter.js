// A tiny typed-by-convention event emitter: `on(name, fn)` returns a function that removes the listener.

export class Emitter {
  constructor() {
    /** @type {Map<string, Set<Function>>} */
    this.listeners = new Map();
  }

  /**
   * @param {string} name
   * @param {(payload: any) => void} fn
   * @returns {() => void} unsubscribe
   */
  on(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name).add(fn);
    return () => this.listeners.get(name)?.delete(fn);
  }

  /** @param {string} name @param {any} [payload] */
  emit(name, payload) {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const fn of [...set]) {
      try { fn(payload); } catch (e) { console.error(`listener for "${name}" failed`, e); }
    }
  }
}
