// The cohort page's live panel: this period's check-ins, their replies and
// the goals, kept current over /ws/cohorts/<id>/ (docs/realtime-protocol.md,
// part 3). The server says under which check-ins this user may reply
// (`can_reply`); the page gives the reply's length limit in
// <script id="cohort-config">. Text people typed is only ever set with
// textContent.

import { StreamConnection } from "./lib/connection.js";
import { h, readJson, uuid4 } from "./lib/dom.js";
import { _, format } from "./lib/i18n.js";

const panel = document.getElementById("cohort-live");
const config = readJson("cohort-config");
if (panel && config && "WebSocket" in window) startPanel(panel, config);

function startPanel(panel, config) {
  const feed = document.getElementById("cohort-checkins");
  const goalList = document.getElementById("cohort-goals");
  const statusNode = document.getElementById("cohort-live-status");
  // Reply forms built here post as page forms when the socket is closed.
  const csrfToken = panel.dataset.csrf;
  const pending = new Map(); // client_id -> reply form awaiting its answer
  let lastSeq = null;

  function setStatus(text) {
    if (statusNode) statusNode.textContent = text;
  }

  // Check-ins ----------------------------------------------------------------

  function replyItem(reply) {
    const name = reply.author ? reply.author.name : _("someone who left");
    return h(
      "li",
      { "data-reply-id": String(reply.id) },
      h("strong", { text: name }),
      " ",
      h("span", { class: "reply-text", text: reply.text }),
    );
  }

  function addReply(reply) {
    const card = feed && feed.querySelector(`[data-checkin-id="${reply.checkin}"]`);
    if (!card) return;
    const list = card.querySelector("ol.replies");
    if (list.querySelector(`[data-reply-id="${reply.id}"]`)) return;
    list.append(replyItem(reply));
  }

  function replyForm(checkin) {
    const id = `reply-${checkin.id}`;
    return h(
      "form",
      { method: "post", action: `${checkin.url}reply/`, class: "reply-form", "data-checkin": String(checkin.id) },
      h("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrfToken }),
      h("input", { type: "hidden", name: "client_id", value: "" }),
      h("label", { for: id, text: format(_("Reply to %(name)s"), { name: checkin.author.name }) }),
      h("textarea", { id, name: "body", rows: "2", maxlength: String(config.limits.reply), required: true }),
      h("p", { class: "errorlist", role: "alert" }),
      h("button", { type: "submit", text: _("Reply") }),
    );
  }

  function checkinCard(checkin) {
    const body = h("dl", { class: "checkin-body" });
    const parts = [
      ["win", _("Win")],
      ["challenge", _("Challenge")],
      ["ask", _("Ask for support")],
    ];
    for (const [key, label] of parts) {
      if (checkin[key]) body.append(h("dt", { text: label }), h("dd", { text: checkin[key] }));
    }
    const energy = format(_("energy %(energy)s/5"), { energy: checkin.energy });
    const title = h(
      "h4",
      { class: "checkin-title" },
      h("a", { href: checkin.url, text: checkin.author.name }),
      " ",
      h("span", { class: "muted", text: `· ${energy}` }),
    );
    if (checkin.shared_with_cohort) {
      title.append(" ", h("span", { class: "badge", text: _("shared with the cohort") }));
    }
    const replies = h("ol", { class: "replies", "aria-label": _("Replies") });
    for (const reply of checkin.replies || []) replies.append(replyItem(reply));
    return h(
      "article",
      { class: "checkin card", "data-checkin-id": String(checkin.id) },
      title,
      body,
      replies,
      checkin.can_reply ? replyForm(checkin) : null,
    );
  }

  function dropEmptyNote(container) {
    const note = container && container.querySelector(".empty-note");
    if (note) note.remove();
  }

  function upsertCheckin(checkin, { isNew }) {
    if (!feed) return;
    const fresh = checkinCard(checkin);
    const old = feed.querySelector(`[data-checkin-id="${checkin.id}"]`);
    if (old) {
      // Keep what the reader was typing in the reply box.
      const typing = old.querySelector("textarea");
      const box = fresh.querySelector("textarea");
      if (typing && box) box.value = typing.value;
      old.replaceWith(fresh);
    } else {
      dropEmptyNote(feed);
      feed.append(fresh);
    }
    if (isNew) fresh.classList.add("is-new");
  }

  function removeCheckin(id) {
    const card = feed && feed.querySelector(`[data-checkin-id="${id}"]`);
    if (card) card.remove();
  }

  // Goals --------------------------------------------------------------------

  function goalRow(goal) {
    return h(
      "li",
      { class: "goal-row", "data-goal-id": String(goal.id) },
      h("a", { href: goal.url, text: goal.title }),
      " ",
      h("span", { class: `badge status-${goal.status}`, text: goal.status_label }),
      goal.owner ? [" ", h("span", { class: "muted", text: `· ${goal.owner.name}` })] : null,
    );
  }

  function upsertGoal(goal) {
    if (!goalList) return;
    const old = goalList.querySelector(`[data-goal-id="${goal.id}"]`);
    if (old) old.replaceWith(goalRow(goal));
    else {
      dropEmptyNote(goalList);
      goalList.append(goalRow(goal));
    }
  }

  function removeGoal(id) {
    const row = goalList && goalList.querySelector(`[data-goal-id="${id}"]`);
    if (row) row.remove();
  }

  // Frames -------------------------------------------------------------------

  function applySnapshot(frame) {
    if (feed) {
      feed.replaceChildren();
      if (!frame.checkins.length) {
        feed.append(h("p", { class: "muted empty-note", text: _("No check-in yet this period.") }));
      }
      for (const checkin of frame.checkins) upsertCheckin(checkin, { isNew: false });
    }
    if (goalList) {
      goalList.replaceChildren();
      if (!frame.goals.length) {
        goalList.append(h("li", { class: "muted empty-note", text: _("No goal to show yet.") }));
      }
      for (const goal of frame.goals) upsertGoal(goal);
    }
  }

  const handlers = {
    "cohort.snapshot": applySnapshot,
    "checkin.posted": (frame) => upsertCheckin(frame.checkin, { isNew: true }),
    "checkin.edited": (frame) => upsertCheckin(frame.checkin, { isNew: false }),
    "checkin.removed": (frame) => removeCheckin(frame.checkin),
    "reply.posted": (frame) => addReply(frame.reply),
    "goal.updated": (frame) => upsertGoal(frame.goal),
    "goal.removed": (frame) => removeGoal(frame.goal),
  };

  function receive(frame) {
    if (Number.isInteger(frame.seq)) lastSeq = frame.seq;
    const handler = handlers[frame.type];
    if (handler) handler(frame);
  }

  function settle(frame, ok) {
    const form = pending.get(frame.client_id);
    if (!form) return;
    pending.delete(frame.client_id);
    const button = form.querySelector("button");
    const error = form.querySelector(".errorlist");
    button.disabled = false;
    button.textContent = _("Reply");
    if (ok) {
      form.querySelector("textarea").value = "";
      form.elements.client_id.value = "";
      error.textContent = "";
      if (frame.reply) addReply(frame.reply);
    } else {
      error.textContent = frame.message;
    }
  }

  // A feed of check-ins is shown to members only; others see goals alone.
  const liveText = feed
    ? _("Live: new check-ins appear here as they arrive.")
    : _("Live: the goals shared with you update here.");
  let everOnline = false;

  function showStatus(status) {
    panel.dataset.live = status === "online" ? "on" : "off";
    if (status === "online") {
      everOnline = true;
      setStatus(liveText);
    } else if (status !== "connecting" || everOnline) {
      setStatus(_("Connection lost; reconnecting…"));
    }
  }

  const connection = new StreamConnection({
    path: panel.dataset.socket,
    lastSeq: () => lastSeq,
    onFrame: receive,
    onReply: (frame) => settle(frame, frame.type === "ack"),
    onLost: (requests) => {
      for (const request of requests) {
        settle({ client_id: request.client_id, message: _("Connection lost; reconnecting…") }, false);
      }
    },
    onStatus: showStatus,
    onFinal: () => {
      panel.dataset.live = "off";
      setStatus(_("Live updates are not available on this page."));
    },
  });

  // One reply keeps one client_id until it is acknowledged, whether it goes
  // again over the socket or as a plain page form: a reply that reached the
  // server just before the connection dropped is then stored once.
  function replyClientId(form, text) {
    if (!form.elements.client_id.value || form.dataset.clientText !== text) {
      form.elements.client_id.value = uuid4();
      form.dataset.clientText = text;
    }
    return form.elements.client_id.value;
  }

  // A reply goes over the socket when it is open; otherwise the form posts
  // as a plain page form.
  panel.addEventListener("submit", (event) => {
    const form = event.target.closest(".reply-form");
    if (!form) return;
    const textarea = form.querySelector("textarea");
    const text = textarea.value.trim();
    const clientId = replyClientId(form, text);
    if (!connection.isOpen) return;
    event.preventDefault();
    const error = form.querySelector(".errorlist");
    if (!text) {
      error.textContent = _("Write a reply first.");
      textarea.focus();
      return;
    }
    if (text.length > config.limits.reply) {
      error.textContent = format(_("A reply can be at most %(max)s characters."), { max: config.limits.reply });
      return;
    }
    const frame = { type: "reply.post", client_id: clientId, checkin: Number(form.dataset.checkin), text };
    // The socket failed just now: post the page form instead.
    if (!connection.request(frame)) {
      form.submit();
      return;
    }
    pending.set(clientId, form);
    const button = form.querySelector("button");
    button.disabled = true;
    button.textContent = _("Sending…");
  });

  connection.start();
}
