// Items wait here until the server acknowledges them (lib/connection.js sends
// them). Kept in localStorage under a key of the page's choosing (the board:
// per session and user), so a post typed offline survives a reload and is
// resent with the same client_id (the server stores it once, however often
// it comes).
// Every change re-reads storage first: another tab of the same person may have
// added or removed a post meanwhile, and must not be overwritten.

export class Outbox {
  constructor(key, storage = safeStorage()) {
    this.key = key;
    this.storage = storage;
    this.items = this.read() || [];
  }

  // The stored list, or null when storage cannot be read (then memory rules).
  read() {
    if (!this.storage) return null;
    try {
      const parsed = JSON.parse(this.storage.getItem(this.key) || "[]");
      return Array.isArray(parsed) ? parsed.filter((item) => item && item.client_id) : [];
    } catch {
      return null;
    }
  }

  refresh() {
    // After a failed write, memory holds posts that storage lacks: keep it.
    if (this.writeFailed) return;
    const stored = this.read();
    if (stored) this.items = stored;
  }

  save() {
    try {
      if (this.items.length) this.storage?.setItem(this.key, JSON.stringify(this.items));
      else this.storage?.removeItem(this.key);
    } catch {
      // Storage full or refused: the posts still wait in memory for this page.
      this.writeFailed = true;
    }
  }

  add(item) {
    this.refresh();
    this.items.push(item);
    this.save();
  }

  get(clientId) {
    this.refresh();
    return this.items.find((item) => item.client_id === clientId);
  }

  remove(clientId) {
    this.refresh();
    const before = this.items.length;
    this.items = this.items.filter((item) => item.client_id !== clientId);
    if (this.items.length !== before) this.save();
  }

  all() {
    this.refresh();
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
