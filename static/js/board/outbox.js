// Posts wait here until the server acknowledges them. Kept in localStorage per
// session and user, so a post typed offline survives a reload and is resent
// with the same client_id (the server stores it once, however often it comes).

export class Outbox {
  constructor(key, storage = safeStorage()) {
    this.key = key;
    this.storage = storage;
    this.items = this.load();
  }

  load() {
    try {
      const parsed = JSON.parse(this.storage?.getItem(this.key) || "[]");
      return Array.isArray(parsed) ? parsed.filter((item) => item && item.client_id) : [];
    } catch {
      return [];
    }
  }

  save() {
    try {
      if (this.items.length) this.storage?.setItem(this.key, JSON.stringify(this.items));
      else this.storage?.removeItem(this.key);
    } catch {
      // Storage full or refused: the posts still wait in memory for this page.
    }
  }

  add(item) {
    this.items.push(item);
    this.save();
  }

  get(clientId) {
    return this.items.find((item) => item.client_id === clientId);
  }

  remove(clientId) {
    const before = this.items.length;
    this.items = this.items.filter((item) => item.client_id !== clientId);
    if (this.items.length !== before) this.save();
  }

  all() {
    return [...this.items];
  }
}

function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
