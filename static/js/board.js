// The live session board: ES modules, no build step. The page gives the
// session, what this user may do, the text limits and the reactions in
// <script id="board-config">; everything else comes over /ws/sessions/<id>/
// (see docs/realtime-protocol.md). This module handles frames, sending and
// the forms; board/render.js puts the state on the page.

import { StreamConnection } from "./lib/connection.js";
import { readJson, uuid4 } from "./lib/dom.js";
import { _, format } from "./lib/i18n.js";
import { Outbox } from "./lib/outbox.js";
import { BoardRenderer } from "./board/render.js";
import { BoardState } from "./board/state.js";

class Board {
  constructor(root, config) {
    this.root = root;
    this.config = config;
    this.state = new BoardState(config.can);
    this.outbox = new Outbox(`cohorts.board.outbox.v1.${config.session}.${config.user}`);
    this.connection = null;
    this.linkStatus = "connecting";
    this.everOnline = false;
    this.finalCode = null;
    this.ui = {
      editing: new Map(),
      confirmingDelete: new Set(),
      confirmingEnd: false,
      timerMinutes: "",
    };
    this.view = new BoardRenderer(this);
    this.el = (id) => document.getElementById(id);
    this.actions = this.makeActions();
  }

  get connected() {
    return Boolean(this.connection?.isOpen);
  }

  start() {
    this.bindForms();
    this.connection = new StreamConnection({
      path: this.config.ws_path,
      lastSeq: () => (this.state.loaded ? this.state.seq : null),
      outbox: this.outbox,
      toFrame: (item) => this.outboxFrame(item),
      onFrame: (frame) => this.receive(frame),
      onReply: (frame, sent) => this.answered(frame, sent),
      onStatus: (status) => this.setLinkStatus(status),
      onFinal: (code) => this.final(code),
    });
    this.connection.start();
    setInterval(() => this.view.tick(), 1000);
    this.render();
  }

  render() {
    this.view.render();
  }

  // --- Frames from the server -------------------------------------------
  receive(frame) {
    if (frame.type === "board.snapshot") {
      this.state.applySnapshot(frame);
      this.ui.timerMinutes = "";
    } else {
      if (!this.state.loaded) return;
      const change = this.state.applyEvent(frame);
      if (change) this.view.announceChange(change);
    }
    this.render();
  }

  answered(frame, { request, queued, retrying }) {
    if (frame.type === "ack") this.acked(frame, request, queued);
    else this.failed(frame, request, queued, retrying);
    this.render();
  }

  acked(frame, request, queued) {
    this.state.applyAck(frame, request || queued);
    if (request?.type === "reflection.edit") {
      this.ui.editing.delete(request.reflection);
      this.view.afterRender.push(() => this.view.focusInItem(request.reflection, "edit"));
    }
    if (request?.type === "reflection.delete") {
      this.ui.confirmingDelete.delete(request.reflection);
      this.view.afterRender.push(() => this.el("board-reflection-text").focus());
    }
    if (request?.type === "session.end") this.ui.confirmingEnd = false;
    // A done action clears its own error; a queued post arriving later
    // must not wipe the message about another one.
    if (request) this.view.showError("");
  }

  failed(frame, request, queued, retrying) {
    let message = frame.message || _("Something went wrong.");
    if (queued && !retrying) {
      // Refused for good: give the text back so nothing typed is lost.
      message = this.restoreDraft(queued)
        ? format(_("Not posted: %(message)s Your text is back in the box."), { message })
        : format(_("Not posted: %(message)s It said: “%(text)s”"), { message, text: queued.text });
    }
    if (request?.type === "reaction.add" || request?.type === "reaction.remove") {
      message = format(_("Reaction not saved: %(message)s"), { message });
    }
    this.view.showError(message);
  }

  // --- Link status --------------------------------------------------------
  setLinkStatus(status) {
    if (status === "online") this.everOnline = true;
    this.linkStatus = status;
    this.render();
  }

  final(code) {
    this.finalCode = code;
    this.render();
  }

  // --- Sending ------------------------------------------------------------
  send(type, payload = {}) {
    const frame = { type, client_id: uuid4(), ...payload };
    if (!this.connection.request(frame)) {
      this.view.showError(_("You are offline. Try again when the connection returns."));
      return null;
    }
    return frame.client_id;
  }

  queue(item) {
    this.connection.queue(item);
    this.render();
  }

  outboxFrame(item) {
    const frame = { type: item.type, client_id: item.client_id, text: item.text };
    if (item.type === "reflection.post") {
      // A post typed before the board first loaded goes to the current phase.
      const phase = item.phase ?? this.state.session?.current_phase;
      if (!phase) return null;
      frame.phase = phase;
    }
    return frame;
  }

  restoreDraft(item) {
    const field = this.el(item.type === "commitment.add" ? "board-commitment-text" : "board-reflection-text");
    if (!field || field.value.trim()) return false;
    field.value = item.text;
    this.view.updateCount();
    return true;
  }

  bindForms() {
    const reflectionForm = this.el("board-reflection-form");
    const reflectionField = this.el("board-reflection-text");
    reflectionField.addEventListener("input", () => this.view.updateCount());
    reflectionForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = reflectionField.value.trim();
      if (!this.checkText(text, this.config.limits.reflection)) return;
      this.queue({
        type: "reflection.post",
        client_id: uuid4(),
        phase: this.state.session?.current_phase ?? null,
        text,
      });
      reflectionField.value = "";
      this.view.updateCount();
      this.view.showError("");
      reflectionField.focus();
    });
    const commitmentForm = this.el("board-commitment-form");
    const commitmentField = this.el("board-commitment-text");
    commitmentForm?.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = commitmentField.value.trim();
      if (!this.checkText(text, this.config.limits.commitment)) return;
      this.queue({ type: "commitment.add", client_id: uuid4(), text });
      commitmentField.value = "";
      this.view.showError("");
      commitmentField.focus();
    });
    this.view.updateCount();
  }

  checkText(text, max) {
    if (!text) {
      this.view.showError(_("Write something first."));
      return false;
    }
    if (text.length > max) {
      this.view.showError(format(_("Keep it to %(max)s characters."), { max }));
      return false;
    }
    return true;
  }

  makeActions() {
    const ui = this.ui;
    const view = this.view;
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
        view.focusInItem(id, "edit");
      },
      saveEdit: (id) => {
        const text = (ui.editing.get(id) || "").trim();
        if (!this.checkText(text, this.config.limits.reflection)) return;
        this.send("reflection.edit", { reflection: id, text });
      },
      askDelete: (id) => {
        ui.confirmingDelete.add(id);
        this.render();
        view.focusInItem(id, "delete-cancel");
      },
      cancelDelete: (id) => {
        ui.confirmingDelete.delete(id);
        this.render();
        view.focusInItem(id, "delete");
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
        this.render();
        this.root.querySelector('[data-focus-key="end-cancel"]')?.focus();
      },
      cancelEnd: () => {
        ui.confirmingEnd = false;
        this.render();
        this.root.querySelector('[data-focus-key="end"]')?.focus();
      },
      endSession: () => this.send("session.end"),
    };
  }
}

const root = document.getElementById("board");
const config = readJson("board-config");
if (root && config) new Board(root, config).start();
