// One websocket to a stream (docs/realtime-protocol.md, part 1), shared by the
// board and the cohort page. It reopens with capped exponential backoff (with
// jitter, so a room of clients does not reconnect in lockstep after a server
// restart), resumes from the last seq the page has seen, pings a socket that
// may have died silently, and gives up only on the final close codes.
//
// Frames sent with request() are answered through onReply with the frame they
// answer; frames in the outbox (lib/outbox.js) stay there until acknowledged
// and are sent again on every new socket.

import { uuid4 } from "./dom.js";

const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
const PING_EVERY_MS = 20000;
// A socket silent this long after a ping is dead even if it was never closed.
const PONG_TIMEOUT_MS = 10000;
// Close codes after which reconnecting cannot help: 4404, refused at the
// handshake (no such stream, or not this user's); 4403, a right that ended
// while the socket was open (removed from the cohort, signed out).
const FINAL_CODES = new Set([4403, 4404]);
// Too many sockets of this user on the server: it reconnects with the usual
// backoff, and gets in once other windows close theirs.
const TOO_MANY = 4429;
// Error codes after which a queued frame is worth sending again later.
const RETRY_CODES = new Set(["rate_limited", "server_error"]);
const RETRY_AFTER_MS = 5000;

const ignore = () => {};

export class StreamConnection {
  // path: the stream's URL path. lastSeq(): the last seq seen, or null.
  // outbox/toFrame: queued items and how each becomes a frame (null: not yet).
  // onFrame(frame): a snapshot or an event. onReply(frame, sent): an ack or an
  // error, with sent = {request, queued, retrying}. onLost(requests): the
  // requests that went unanswered with a closed socket. onStatus(status):
  // "connecting", "online", "offline" or "crowded". onFinal(code): given up.
  constructor({
    path,
    lastSeq,
    outbox = null,
    toFrame = (item) => item,
    onFrame,
    onReply = ignore,
    onLost = ignore,
    onStatus = ignore,
    onFinal = ignore,
  }) {
    this.path = path;
    this.lastSeq = lastSeq;
    this.outbox = outbox;
    this.toFrame = toFrame;
    this.onFrame = onFrame;
    this.onReply = onReply;
    this.onLost = onLost;
    this.onStatus = onStatus;
    this.onFinal = onFinal;
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.stopped = false;
    this.ready = false;
    // Frames sent on the current socket and not yet answered, by client_id.
    this.requests = new Map();
    // Outbox items already sent on the current socket.
    this.sentOnSocket = new Set();
    window.addEventListener("offline", () => this.drop());
    window.addEventListener("online", () => this.retryNow());
  }

  url() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const seq = this.lastSeq();
    const query = Number.isInteger(seq) ? `?last_seq=${seq}` : "";
    return `${scheme}//${window.location.host}${this.path}${query}`;
  }

  start() {
    if (this.stopped || this.socket) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.ready = false;
    this.onStatus("connecting");
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.addEventListener("message", (event) => this.receive(socket, event));
    socket.addEventListener("close", (event) => this.closed(socket, event));
    // An error is always followed by close; nothing to do here.
    socket.addEventListener("error", ignore);
  }

  receive(socket, event) {
    if (socket !== this.socket) return;
    clearTimeout(this.pongTimer);
    this.pongTimer = null;
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    if (!this.ready) {
      // The first frame (a snapshot, or the missed events of a resume) says
      // the server has taken this client in: only now is the link healthy.
      this.ready = true;
      this.attempt = 0;
      this.startPings();
      this.onStatus("online");
      this.onFrame(frame);
      this.flush();
      return;
    }
    if (frame.type === "pong") return;
    if (frame.type === "ack" || frame.type === "error") this.answered(frame);
    else this.onFrame(frame);
  }

  answered(frame) {
    const id = frame.client_id;
    const request = this.requests.get(id);
    this.requests.delete(id);
    const queued = id && this.outbox ? this.outbox.get(id) : undefined;
    let retrying = false;
    if (queued) {
      this.sentOnSocket.delete(id);
      if (frame.type === "error" && RETRY_CODES.has(frame.code)) {
        retrying = true;
        setTimeout(() => this.flush(), RETRY_AFTER_MS);
      } else {
        this.outbox.remove(id);
      }
    }
    this.onReply(frame, { request, queued, retrying });
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    this.forget();
    if (FINAL_CODES.has(event.code)) {
      this.stopped = true;
      this.onFinal(event.code);
      return;
    }
    this.scheduleRetry();
    if (event.code === TOO_MANY && this.retryTimer) this.onStatus("crowded");
  }

  forget() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pingTimer = null;
    this.pongTimer = null;
    this.socket = null;
    this.ready = false;
    // Their answers went with the socket; queued items are sent again.
    this.sentOnSocket.clear();
    const lost = [...this.requests.values()];
    this.requests.clear();
    if (lost.length) this.onLost(lost);
  }

  // Give up on the current socket at once (the browser went offline, or the
  // server stopped answering pings): waiting for a closing handshake over a
  // dead link can take minutes.
  drop() {
    const socket = this.socket;
    if (!socket) return;
    this.forget();
    try {
      socket.close();
    } catch {
      // Already closing.
    }
    if (!this.stopped) this.scheduleRetry();
  }

  scheduleRetry() {
    if (this.stopped || this.retryTimer) return;
    // The browser knows it has no network: wait for its "online" event
    // instead of knocking on a door that cannot open.
    if (navigator.onLine === false) {
      this.onStatus("offline");
      return;
    }
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.onStatus("offline");
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.start();
    }, delay);
  }

  retryNow() {
    if (this.stopped || this.socket) return;
    this.attempt = 0;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.start();
  }

  startPings() {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (!this.send({ type: "ping", client_id: uuid4() })) return;
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => this.drop(), PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  get isOpen() {
    return Boolean(this.socket && this.ready && this.socket.readyState === WebSocket.OPEN);
  }

  send(frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    try {
      this.socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  // Send a frame whose answer onReply gets with it; false when offline.
  request(frame) {
    if (!this.isOpen || !this.send(frame)) return false;
    this.requests.set(frame.client_id, frame);
    return true;
  }

  // Keep an item until the server acknowledges it, and send it when it can.
  queue(item) {
    this.outbox.add(item);
    this.flush();
  }

  flush() {
    if (!this.outbox || !this.isOpen) return;
    for (const item of this.outbox.all()) {
      if (this.sentOnSocket.has(item.client_id)) continue;
      const frame = this.toFrame(item);
      if (frame && this.send(frame)) this.sentOnSocket.add(item.client_id);
    }
  }
}
