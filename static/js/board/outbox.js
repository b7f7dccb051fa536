// Cards typed but not yet acknowledged by the server, kept in localStorage so that
// neither a lost connection nor a page reload loses what a person wrote.
export class Outbox {
  constructor(key) {
    this.key = key;
    this.items = this.load();
  }

  load() {
    try {
      const items = JSON.parse(localStorage.getItem(this.key) || "[]");
      return Array.isArray(items) ? items.filter((i) => i && i.client_id && i.text) : [];
    } catch {
      return [];
    }
  }

  save() {
    localStorage.setItem(this.key, JSON.stringify(this.items));
  }

  add(item) {
    this.items.push(item);
    this.save();
  }

  remove(clientId) {
    this.items = this.items.filter((i) => i.client_id !== clientId);
    this.save();
  }

  has(clientId) {
    return this.items.some((i) => i.client_id === clientId);
  }

  get size() {
    return this.items.length;
  }
}

// When the server cannot take a card (database or server down, rate limited, no answer), the outbox is sent
// again after 1 s, then 2, 4... up to 30 s, each delay spread by a random third so that a room of phones does
// not come back in one burst; the first card that goes through starts again from 1 s.
export class Backoff {
  constructor(first = 1000, max = 30000) {
    this.first = first;
    this.max = max;
    this.delay = first;
  }

  next() {
    const delay = this.delay;
    this.delay = Math.min(this.delay * 2, this.max);
    return Math.round(delay * (1 - Math.random() / 3));
  }

  reset() {
    this.delay = this.first;
  }
}

export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID().replaceAll("-", "");
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}
