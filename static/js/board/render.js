// Puts the board's state on the page: the parts that change, rebuilt only when
// what they show has changed, so focus and scroll stay where they were.

import { h, replaceChildren, replaceNode, syncChildren } from "../lib/dom.js";
import { _, format, ngettext } from "../lib/i18n.js";
import { controls } from "./controls.js";
import {
  agendaItems,
  authorName,
  commitmentItem,
  formatSeconds,
  kindLabel,
  pendingCommitmentItem,
  pendingItem,
  presenceItems,
  reflectionItem,
  spotlightBody,
} from "./view.js";

export class BoardRenderer {
  constructor(board) {
    this.board = board;
    this.itemNodes = new Map();
    this.earlierNodes = new Map();
    this.lastTimeUp = null;
    // Focus moves to run once the next render has built their targets.
    this.afterRender = [];
  }

  get state() {
    return this.board.state;
  }

  el(id) {
    return document.getElementById(id);
  }

  setText(id, text) {
    const el = this.el(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  render() {
    const board = this.board;
    const state = this.state;
    const ctx = {
      state,
      ui: board.ui,
      actions: board.actions,
      connected: board.connected,
      can: board.config.can,
      config: board.config,
    };
    board.root.classList.toggle("is-offline", board.linkStatus !== "online");
    this.setText("board-connection", this.statusText());
    if (!state.loaded) return;
    this.renderSession();
    this.renderPhase();
    this.renderCompose(ctx);
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
    if (controlsBody && ctx.can.run) replaceChildren(controlsBody, controls(ctx));
    this.tick();
    for (const move of this.afterRender.splice(0)) move();
  }

  statusText() {
    const board = this.board;
    if (board.finalCode === 4403) {
      return _("You no longer have access to this board: you were signed out or left the cohort. Reload the page.");
    }
    if (board.finalCode === 4404) {
      return _("This board is not available: the session is gone or you have no access to it. Reload the page.");
    }
    const waiting = board.outbox.all().length;
    const counted = (text) =>
      waiting
        ? `${text} ${format(
            ngettext("%(count)s post waiting to be sent.", "%(count)s posts waiting to be sent.", waiting),
            { count: waiting },
          )}`
        : text;
    if (board.linkStatus === "online") return counted(_("Connected."));
    if (board.linkStatus === "crowded") {
      return counted(_("Too many windows of this site are open. Close some; the board then reconnects."));
    }
    if (!board.everOnline && board.linkStatus === "connecting") return counted(_("Connecting…"));
    return counted(_("Offline — your posts will be sent when the connection returns."));
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

  updateCount() {
    const length = this.el("board-reflection-text").value.length;
    this.el("board-reflection-count").textContent = format(_("%(count)s of %(max)s characters"), {
      count: length,
      max: this.board.config.limits.reflection,
    });
  }

  focusInItem(id, key) {
    this.board.root.querySelector(`[data-reflection-id="${id}"] [data-focus-key="${key}"]`)?.focus();
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
    const summaryUrl = this.board.config.summary_url;
    if (session.status === "ended" && summaryUrl) {
      nodes.push(" ", h("a", { href: summaryUrl, text: _("Read the summary") }));
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
            kind: kindLabel(phase.kind, this.board.config),
          })
        : "",
    );
    this.setText("board-phase-title", phase ? phase.title : _("No phase yet"));
    this.setText("board-phase-prompt", phase?.prompt || "");
    const anonymous = this.el("board-phase-anonymous");
    anonymous.hidden = !phase?.anonymous;
  }

  renderCompose(ctx) {
    const state = this.state;
    const phase = state.currentPhase;
    const locked = state.session.posting_locked && !ctx.can.post_while_locked;
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
      commitmentForm.hidden = !["commitments", "close"].includes(phase?.kind);
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
    const ui = this.board.ui;
    const nodes = state.reflectionsOf(phaseId).map((reflection) => {
      const key = `r${reflection.id}`;
      seen.add(key);
      const signature = JSON.stringify([
        reflection,
        state.session.spotlight === reflection.id,
        state.session.status,
        ctx.connected,
        ui.editing.has(reflection.id),
        ui.confirmingDelete.has(reflection.id),
      ]);
      return this.itemNode(key, signature, () => reflectionItem(reflection, ctx));
    });
    for (const item of this.board.outbox.all()) {
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
    const pending = this.board.outbox.all().filter((item) => item.type === "commitment.add");
    const items = [
      ...state.sortedCommitments().map((c) => commitmentItem(c, ctx)),
      ...pending.map((item) => pendingCommitmentItem(item, ctx)),
    ];
    const atCommitments = ["commitments", "close"].includes(state.currentPhase?.kind);
    this.el("board-commitments").hidden = !items.length && !atCommitments;
    this.setText(
      "board-commitments-title",
      ctx.can.see_all_commitments ? _("Commitments") : _("Your commitments"),
    );
    this.el("board-commitments-empty").hidden = items.length > 0;
    replaceChildren(this.el("board-commitment-list"), items);
  }

  // Once a second: the countdown, corrected for this browser's clock skew.
  tick() {
    const state = this.state;
    if (!state.loaded) return;
    const seconds = state.remainingSeconds();
    const timerState = state.timer.state;
    let text;
    if (seconds === null) text = _("No timer");
    else if (timerState === "paused") text = format(_("%(time)s (paused)"), { time: formatSeconds(seconds) });
    else if (seconds === 0) text = _("Time is up");
    else text = formatSeconds(seconds);
    this.setText("board-timer", text);
    this.el("board-timer").classList.toggle("is-up", timerState === "running" && seconds === 0);
    if (timerState === "running" && seconds === 0 && this.lastTimeUp !== state.timer.ends_at) {
      this.lastTimeUp = state.timer.ends_at;
      this.announce(_("Time is up."));
    }
  }
}

function truncate(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
