// The live session board: one ES module, no build step. The page gives the
// session id and this user's role in <script id="board-config">; everything
// else comes over /ws/sessions/<id>/ (see docs/realtime-protocol.md).

import { BoardConnection } from "./board/connection.js";
import { h, replaceChildren, replaceNode, syncChildren, uuid4 } from "./board/dom.js";
import { _, format, ngettext } from "./board/i18n.js";
import { Outbox } from "./board/outbox.js";
import { BoardState } from "./board/state.js";
import {
  agendaItems,
  authorName,
  commitmentItem,
  controls,
  formatSeconds,
  kindLabel,
  pendingCommitmentItem,
  pendingItem,
  presenceItems,
  reflectionItem,
  spotlightBody,
} from "./board/view.js";

const MAX_LENGTH = 1000;
// Error codes after which a queued post is worth sending again later.
const RETRY_CODES = new Set(["rate_limited", "server_error"]);
const RETRY_AFTER_MS = 5000;

class Board {
  constructor(root, config) {
    this.root = root;
    this.config = config;
    this.state = new BoardState();
    this.outbox = new Outbox(`cohorts.board.outbox.v1.${config.session}.${config.user}`);
    // Frames sent and not yet answered, by client_id.
    this.requests = new Map();
    // Outbox items already sent on the current socket.
    this.sentOnSocket = new Set();
    this.connection = null;
    this.linkStatus = "connecting";
    this.everOnline = false;
    this.finalCode = null;
    this.itemNodes = new Map();
    this.earlierNodes = new Map();
    this.lastTimeUp = null;
    // Focus moves to run once the next render has built their targets.
    this.afterRender = [];
    this.ui = {
      editing: new Map(),
      confirmingDelete: new Set(),
      confirmingEnd: false,
      timerMinutes: "",
    };
    this.el = (id) => document.getElementById(id);
    this.actions = this.makeActions();
  }

  get connected() {
    return Boolean(this.connection?.isOpen);
  }

  start() {
    this.bindForms();
    this.connection = new BoardConnection({
      path: this.config.ws_path,
      lastSeq: () => (this.state.loaded ? this.state.seq : null),
      onOpen: () => this.flushOutbox(),
      onFrame: (frame) => this.receive(frame),
      onStatus: (status) => this.setLinkStatus(status),
      onFinal: (code) => this.final(code),
    });
    this.connection.start();
    setInterval(() => this.tick(), 1000);
    this.render();
  }

  // --- Frames from the server -------------------------------------------
  receive(frame) {
    switch (frame.type) {
      case "board.snapshot":
        this.state.applySnapshot(frame);
        this.ui.timerMinutes = "";
        break;
      case "ack":
        this.acked(frame);
        break;
      case "error":
        this.failed(frame);
        break;
      default: {
        if (!this.state.loaded) return;
        const change = this.state.applyEvent(frame);
        if (change) this.announceChange(change);
      }
    }
    this.render();
  }

  acked(frame) {
    const request = this.requests.get(frame.client_id);
    this.requests.delete(frame.client_id);
    const queued = this.outbox.get(frame.client_id);
    if (queued) {
      this.outbox.remove(frame.client_id);
      this.sentOnSocket.delete(frame.client_id);
    }
    this.state.applyAck(frame, request || queued);
    if (request?.type === "reflection.edit") {
      this.ui.editing.delete(request.reflection);
      this.afterRender.push(() => this.focusInItem(request.reflection, "edit"));
    }
    if (request?.type === "reflection.delete") {
      this.ui.confirmingDelete.delete(request.reflection);
      this.afterRender.push(() => this.el("board-reflection-text").focus());
    }
    if (request?.type === "session.end") this.ui.confirmingEnd = false;
    // A done action clears its own error; a queued post arriving later
    // must not wipe the message about another one.
    if (request) this.showError("");
  }

  failed(frame) {
    const request = this.requests.get(frame.client_id);
    this.requests.delete(frame.client_id);
    const queued = frame.client_id ? this.outbox.get(frame.client_id) : null;
    let message = frame.message || _("Something went wrong.");
    if (queued) {
      this.sentOnSocket.delete(queued.client_id);
      if (RETRY_CODES.has(frame.code)) {
        setTimeout(() => this.flushOutbox(), RETRY_AFTER_MS);
      } else {
        // Refused for good: give the text back so nothing typed is lost.
        this.outbox.remove(queued.client_id);
        message = this.restoreDraft(queued)
          ? format(_("Not posted: %(message)s Your text is back in the box."), { message })
          : format(_("Not posted: %(message)s It said: “%(text)s”"), { message, text: queued.text });
      }
    }
    if (request?.type === "reaction.add" || request?.type === "reaction.remove") {
      message = format(_("Reaction not saved: %(message)s"), { message });
    }
    this.showError(message);
  }

  announceChange(change) {
    const state = this.state;
    if (change.posted && !change.posted.mine && change.posted.phase === state.session.current_phase) {
      const text = truncate(change.posted.text, 140);
      this.announce(
        change.posted.author
          ? format(_("New reflection from %(name)s: %(text)s"), { name: change.posted.author.name, text })
          : format(_("New anonymous reflection: %(text)s"), { text }),
      );
    }
    if (change.phase) this.announce(format(_("Now: %(title)s"), { title: change.phase.title }));
    if (change.spotlight) {
      this.announce(format(_("Spotlight: %(text)s"), { text: truncate(change.spotlight.text, 140) }));
    }
    if (change.posting === true) this.announce(_("The facilitator has locked posting."));
    if (change.posting === false) this.announce(_("Posting is open again."));
    if (change.status === "ended") this.announce(_("The session has ended."));
    if (change.status === "live") this.announce(_("The session has started."));
  }

  announce(text) {
    const region = this.el("board-announcer");
    region.append(h("p", { text }));
    while (region.children.length > 3) region.firstElementChild.remove();
  }

  showError(message) {
    this.el("board-error").textContent = message;
  }

  // --- Link status --------------------------------------------------------
  setLinkStatus(status) {
    if (status === "online") this.everOnline = true;
    this.linkStatus = status;
    if (status !== "online") {
      // Their answers went with the socket; queued posts are sent again.
      this.sentOnSocket.clear();
      this.requests.clear();
    }
    this.render();
  }

  final(code) {
    this.finalCode = code;
    this.render();
  }

  statusText() {
    if (this.finalCode === 4403) {
      return _("You no longer have access to this board: you were signed out or left the cohort. Reload the page.");
    }
    if (this.finalCode === 4404) {
      return _("This board is not available: the session is gone or you have no access to it. Reload the page.");
    }
    const waiting = this.outbox.all().length;
    const counted = (text) =>
      waiting
        ? `${text} ${format(
            ngettext("%(count)s post waiting to be sent.", "%(count)s posts waiting to be sent.", waiting),
            { count: waiting },
          )}`
        : text;
    if (this.linkStatus === "online") return counted(_("Connected."));
    if (this.linkStatus === "crowded") {
      return counted(_("Too many windows of this site are open. Close some; the board then reconnects."));
    }
    if (!this.everOnline && this.linkStatus === "connecting") return counted(_("Connecting…"));
    return counted(_("Offline — your posts will be sent when the connection returns."));
  }

  // --- Sending ------------------------------------------------------------
  send(type, payload = {}) {
    if (!this.connected) {
      this.showError(_("You are offline. Try again when the connection returns."));
      return null;
    }
    const frame = { type, client_id: uuid4(), ...payload };
    if (!this.connection.send(frame)) {
      this.showError(_("You are offline. Try again when the connection returns."));
      return null;
    }
    this.requests.set(frame.client_id, frame);
    return frame.client_id;
  }

  queue(item) {
    this.outbox.add(item);
    this.flushOutbox();
    this.render();
  }

  flushOutbox() {
    if (!this.connected) return;
    for (const item of this.outbox.all()) {
      if (this.sentOnSocket.has(item.client_id)) continue;
      const frame = { type: item.type, client_id: item.client_id, text: item.text };
      if (item.type === "reflection.post") {
        // A post typed before the board first loaded goes to the current phase.
        const phase = item.phase ?? this.state.session?.current_phase;
        if (!phase) continue;
        frame.phase = phase;
      }
      if (this.connection.send(frame)) this.sentOnSocket.add(item.client_id);
    }
    this.render();
  }

  restoreDraft(item) {
    const field = this.el(item.type === "commitment.add" ? "board-commitment-text" : "board-reflection-text");
    if (!field || field.value.trim()) return false;
    field.value = item.text;
    this.updateCount();
    return true;
  }

  bindForms() {
    const reflectionForm = this.el("board-reflection-form");
    const reflectionField = this.el("board-reflection-text");
    reflectionField.addEventListener("input", () => this.updateCount());
    reflectionForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = reflectionField.value.trim();
      if (!this.checkText(text)) return;
      this.queue({
        type: "reflection.post",
        client_id: uuid4(),
        phase: this.state.session?.current_phase ?? null,
        text,
      });
      reflectionField.value = "";
      this.updateCount();
      this.showError("");
      reflectionField.focus();
    });
    const commitmentForm = this.el("board-commitment-form");
    const commitmentField = this.el("board-commitment-text");
    commitmentForm?.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = commitmentField.value.trim();
      if (!this.checkText(text)) return;
      this.queue({ type: "commitment.add", client_id: uuid4(), text });
      commitmentField.value = "";
      this.showError("");
      commitmentField.focus();
    });
    this.updateCount();
  }

  checkText(text) {
    if (!text) {
      this.showError(_("Write something first."));
      return false;
    }
    if (text.length > MAX_LENGTH) {
      this.showError(format(_("Keep it to %(max)s characters."), { max: MAX_LENGTH }));
      return false;
    }
    return true;
  }

  updateCount() {
    const length = this.el("board-reflection-text").value.length;
    this.el("board-reflection-count").textContent = format(_("%(count)s of %(max)s characters"), {
      count: length,
      max: MAX_LENGTH,
    });
  }

  makeActions() {
    const ui = this.ui;
    const rerender = () => this.render();
    return {
      toggleReaction: (reflection, emoji, pressed) =>
        this.send(pressed ? "reaction.remove" : "reaction.add", { reflection, emoji }),
      startEdit: (id) => {
        ui.editing.set(id, this.state.reflections.get(id)?.text || "");
        this.render();
        this.root.querySelector(`[data-reflection-id="${id}"] textarea`)?.focus();
      },
      cancelEdit: (id) => {
        ui.editing.delete(id);
        this.render();
        this.focusInItem(id, "edit");
      },
      saveEdit: (id) => {
        const text = (ui.editing.get(id) || "").trim();
        if (!this.checkText(text)) return;
        this.send("reflection.edit", { reflection: id, text });
      },
      askDelete: (id) => {
        ui.confirmingDelete.add(id);
        this.render();
        this.focusInItem(id, "delete-cancel");
      },
      cancelDelete: (id) => {
        ui.confirmingDelete.delete(id);
        this.render();
        this.focusInItem(id, "delete");
      },
      deleteReflection: (id) => this.send("reflection.delete", { reflection: id }),
      setSpotlight: (id) => this.send("spotlight.set", { reflection: id }),
      hideReflection: (id, hidden) => this.send("reflection.hide", { reflection: id, hidden }),
      gotoPhase: (phase) => this.send("phase.goto", { phase }),
      timer: (type, payload = {}) => this.send(type, payload),
      startTimer: () => {
        const minutes = Number.parseInt(ui.timerMinutes, 10);
        const payload = Number.isFinite(minutes) && minutes > 0 ? { seconds: minutes * 60 } : {};
        this.send("timer.start", payload);
      },
      // A paused timer given no seconds resumes where it stopped.
      resumeTimer: () => this.send("timer.start"),
      lockPosting: (locked) => this.send("posting.lock", { locked }),
      askEnd: () => {
        ui.confirmingEnd = true;
        rerender();
        this.root.querySelector('[data-focus-key="end-cancel"]')?.focus();
      },
      cancelEnd: () => {
        ui.confirmingEnd = false;
        rerender();
        this.root.querySelector('[data-focus-key="end"]')?.focus();
      },
      endSession: () => this.send("session.end"),
    };
  }

  focusInItem(id, key) {
    this.root.querySelector(`[data-reflection-id="${id}"] [data-focus-key="${key}"]`)?.focus();
  }

  // --- Rendering ------------------------------------------------------------
  render() {
    const state = this.state;
    const ctx = { state, ui: this.ui, actions: this.actions, connected: this.connected };
    this.root.classList.toggle("is-offline", this.linkStatus !== "online");
    this.setText("board-connection", this.statusText());
    if (!state.loaded) return;
    this.renderSession(ctx);
    this.renderPhase();
    this.renderCompose();
    this.renderReflections(ctx);
    this.renderSpotlight(ctx);
    this.renderCommitments(ctx);
    replaceChildren(this.el("board-agenda"), agendaItems(ctx));
    replaceChildren(this.el("board-presence"), presenceItems(ctx));
    this.setText(
      "board-presence-count",
      format(ngettext("%(count)s present", "%(count)s present", state.presence.length), {
        count: state.presence.length,
      }),
    );
    const controlsBody = this.el("board-controls-body");
    if (controlsBody && state.isFacilitator) replaceChildren(controlsBody, controls(ctx));
    this.tick();
    for (const move of this.afterRender.splice(0)) move();
  }

  setText(id, text) {
    const el = this.el(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  renderSession() {
    const session = this.state.session;
    this.setText("board-title", session.title);
    const startForm = this.el("board-start-form");
    if (startForm) startForm.hidden = session.status !== "scheduled";
    const line = this.el("board-session-state");
    const parts = [];
    if (session.status === "scheduled") {
      parts.push(_("This session has not started yet. The board opens when the facilitator starts it."));
    } else if (session.status === "ended") {
      parts.push(_("This session has ended."));
    } else if (session.posting_locked) {
      parts.push(_("Posting is locked by the facilitator."));
    }
    const nodes = parts.map((text) => h("span", { text }));
    if (session.status === "ended" && this.config.summary_url) {
      nodes.push(" ", h("a", { href: this.config.summary_url, text: _("Read the summary") }));
    }
    const signature = JSON.stringify([session.status, session.posting_locked]);
    if (line.dataset.signature !== signature) {
      line.dataset.signature = signature;
      line.replaceChildren(...nodes);
      line.hidden = nodes.length === 0;
    }
  }

  renderPhase() {
    const state = this.state;
    const phase = state.currentPhase;
    const index = phase ? state.phases.indexOf(phase) : -1;
    this.setText(
      "board-phase-step",
      phase
        ? format(_("Phase %(number)s of %(total)s · %(kind)s"), {
            number: index + 1,
            total: state.phases.length,
            kind: kindLabel(phase.kind),
          })
        : "",
    );
    this.setText("board-phase-title", phase ? phase.title : _("No phase yet"));
    this.setText("board-phase-prompt", phase?.prompt || "");
    const anonymous = this.el("board-phase-anonymous");
    anonymous.hidden = !phase?.anonymous;
  }

  renderCompose() {
    const state = this.state;
    const phase = state.currentPhase;
    const locked = state.session.posting_locked && !state.isFacilitator;
    const open = state.isLive && !locked && Boolean(phase);
    const postButton = this.el("board-reflection-post");
    // Offline, posting still works: the post waits in the outbox.
    postButton.disabled = !open;
    let note = "";
    if (state.session.status === "scheduled") note = _("Posting opens when the session starts.");
    else if (state.session.status === "ended") note = _("The session has ended; posting is closed.");
    else if (locked) note = _("Posting is locked by the facilitator.");
    else if (phase?.anonymous) note = _("Posts to this prompt are anonymous: nobody sees who wrote them.");
    this.setText("board-compose-note", note);

    const commitmentForm = this.el("board-commitment-form");
    if (commitmentForm) {
      const show = ["commitments", "close"].includes(phase?.kind) && state.me?.role === "participant";
      commitmentForm.hidden = !show;
      this.el("board-commitment-add").disabled = !open;
    }
  }

  itemNode(key, signature, build) {
    const cached = this.itemNodes.get(key);
    if (cached && cached.signature === signature) return cached.el;
    const el = build();
    if (cached) replaceNode(cached.el, el);
    this.itemNodes.set(key, { signature, el });
    return el;
  }

  // Reflections and waiting posts of one phase, as list items.
  phaseItems(phaseId, ctx, seen) {
    const state = this.state;
    const nodes = state.reflectionsOf(phaseId).map((reflection) => {
      const key = `r${reflection.id}`;
      seen.add(key);
      const signature = JSON.stringify([
        reflection,
        state.session.spotlight === reflection.id,
        state.session.status,
        state.isFacilitator,
        ctx.connected,
        this.ui.editing.has(reflection.id),
        this.ui.confirmingDelete.has(reflection.id),
      ]);
      return this.itemNode(key, signature, () => reflectionItem(reflection, ctx));
    });
    for (const item of this.outbox.all()) {
      if (item.type !== "reflection.post") continue;
      const itemPhase = item.phase ?? state.session.current_phase;
      if (itemPhase !== phaseId) continue;
      const key = `p${item.client_id}`;
      seen.add(key);
      nodes.push(this.itemNode(key, JSON.stringify([ctx.connected]), () => pendingItem(item, ctx)));
    }
    return nodes;
  }

  renderReflections(ctx) {
    const state = this.state;
    const seen = new Set();
    const current = state.session.current_phase;
    const currentNodes = current ? this.phaseItems(current, ctx, seen) : [];
    syncChildren(this.el("board-reflections"), currentNodes);
    this.el("board-reflections-empty").hidden = currentNodes.length > 0;

    // Other phases with reflections, folded, in agenda order.
    const earlier = [];
    for (const phase of state.phases) {
      if (phase.id === current) continue;
      const nodes = this.phaseItems(phase.id, ctx, seen);
      if (!nodes.length) continue;
      let entry = this.earlierNodes.get(phase.id);
      if (!entry) {
        const summary = h("summary");
        const prompt = h("p", { class: "muted" });
        const list = h("ul", { class: "reflection-list" });
        entry = { details: h("details", { class: "earlier-phase" }, summary, prompt, list), summary, prompt, list };
        this.earlierNodes.set(phase.id, entry);
      }
      const summaryText = format(
        ngettext("%(title)s (%(count)s reflection)", "%(title)s (%(count)s reflections)", nodes.length),
        { title: phase.title, count: nodes.length },
      );
      if (entry.summary.textContent !== summaryText) entry.summary.textContent = summaryText;
      if (entry.prompt.textContent !== (phase.prompt || "")) entry.prompt.textContent = phase.prompt || "";
      syncChildren(entry.list, nodes);
      earlier.push(entry.details);
    }
    syncChildren(this.el("board-earlier-list"), earlier);
    this.el("board-earlier").hidden = earlier.length === 0;

    for (const key of [...this.itemNodes.keys()]) {
      if (!seen.has(key)) {
        this.itemNodes.get(key).el.remove();
        this.itemNodes.delete(key);
      }
    }
  }

  renderSpotlight(ctx) {
    const section = this.el("board-spotlight");
    const reflection = this.state.reflections.get(this.state.session.spotlight);
    section.hidden = !reflection;
    const signature = reflection
      ? JSON.stringify([reflection.id, reflection.text, authorName(reflection), this.state.session.status, ctx.connected])
      : "";
    const body = this.el("board-spotlight-body");
    if (body.dataset.signature === signature) return;
    body.dataset.signature = signature;
    replaceChildren(body, reflection ? spotlightBody(reflection, ctx) : []);
  }

  renderCommitments(ctx) {
    const state = this.state;
    const pending = this.outbox.all().filter((item) => item.type === "commitment.add");
    const items = [
      ...state.sortedCommitments().map((c) => commitmentItem(c, ctx)),
      ...pending.map((item) => pendingCommitmentItem(item, ctx)),
    ];
    const atCommitments = ["commitments", "close"].includes(state.currentPhase?.kind);
    this.el("board-commitments").hidden = !items.length && !atCommitments;
    this.setText(
      "board-commitments-title",
      state.isFacilitator ? _("Commitments") : _("Your commitments"),
    );
    this.el("board-commitments-empty").hidden = items.length > 0;
    replaceChildren(this.el("board-commitment-list"), items);
  }

  // Once a second: the countdown, corrected for this browser's clock skew.
  tick() {
    if (!this.state.loaded) return;
    const seconds = this.state.remainingSeconds();
    const timerState = this.state.timer.state;
    let text;
    if (seconds === null) text = _("No timer");
    else if (timerState === "paused") text = format(_("%(time)s (paused)"), { time: formatSeconds(seconds) });
    else if (seconds === 0) text = _("Time is up");
    else text = formatSeconds(seconds);
    this.setText("board-timer", text);
    this.el("board-timer").classList.toggle("is-up", timerState === "running" && seconds === 0);
    if (timerState === "running" && seconds === 0 && this.lastTimeUp !== this.state.timer.ends_at) {
      this.lastTimeUp = this.state.timer.ends_at;
      this.announce(_("Time is up."));
    }
  }
}

function truncate(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

const root = document.getElementById("board");
const configNode = document.getElementById("board-config");
if (root && configNode) {
  const board = new Board(root, JSON.parse(configNode.textContent));
  board.start();
}
