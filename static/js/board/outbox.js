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

export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID().replaceAll("-", "");
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}
