// The cohort page's live panel: this period's check-ins, their replies and
// the goals, kept current over /ws/cohorts/<id>/ (docs/realtime-protocol.md,
// part 3). Text people typed is only ever set with textContent.
(function () {
  "use strict";

  const panel = document.getElementById("cohort-live");
  if (!panel || !("WebSocket" in window)) return;
  const stringsNode = document.getElementById("cohort-strings");
  const T = stringsNode ? JSON.parse(stringsNode.textContent) : {};
  const feed = document.getElementById("cohort-checkins");
  const goalList = document.getElementById("cohort-goals");
  const statusNode = document.getElementById("cohort-live-status");
  // Reply forms built here post as page forms when the socket is closed.
  const csrfToken = panel.dataset.csrf;

  const BASE_DELAY_MS = 1000;
  const MAX_DELAY_MS = 30000;
  // Closes after which reconnecting cannot help: 4404, refused at the
  // handshake; 4403, a right that ended while open (signed out, removed).
  // Any other close (4429 included: too many sockets) reconnects with backoff.
  const FINAL_CODES = new Set([4403, 4404]);

  let me = null;
  let lastSeq = null;
  let socket = null;
  let attempt = 0;
  const pending = new Map(); // client_id -> reply form awaiting its ack

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
  }

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) {
      if (child) node.append(child);
    }
    return node;
  }

  function setStatus(text) {
    if (statusNode) statusNode.textContent = text;
  }

  // Check-ins ----------------------------------------------------------------

  function canReply(checkin) {
    if (!me) return false;
    if (me.role === "facilitator") return true;
    if (me.role !== "participant") return false;
    return checkin.mine || me.partners.includes(checkin.author.id);
  }

  function replyItem(reply) {
    const name = reply.author ? reply.author.name : T.someone;
    return el("li", { "data-reply-id": String(reply.id) }, [
      el("strong", { text: name }),
      document.createTextNode(" "),
      el("span", { class: "reply-text", text: reply.text }),
    ]);
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
    const form = el("form", {
      method: "post",
      action: `${checkin.url}reply/`,
      class: "reply-form",
      "data-checkin": String(checkin.id),
    }, [
      el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrfToken }),
      el("input", { type: "hidden", name: "client_id", value: "" }),
      el("label", { for: id, text: format(T.replyTo, { name: checkin.author.name }) }),
      el("textarea", { id, name: "body", rows: "2", maxlength: "2000", required: "" }),
      el("p", { class: "errorlist", role: "alert" }),
      el("button", { type: "submit", text: T.reply }),
    ]);
    return form;
  }

  function checkinCard(checkin) {
    const body = el("dl", { class: "checkin-body" });
    for (const [key, label] of [["win", T.win], ["challenge", T.challenge], ["ask", T.ask]]) {
      if (checkin[key]) body.append(el("dt", { text: label }), el("dd", { text: checkin[key] }));
    }
    const title = el("h4", { class: "checkin-title" }, [
      el("a", { href: checkin.url, text: checkin.author.name }),
      document.createTextNode(" "),
      el("span", { class: "muted", text: `· ${format(T.energy, { energy: checkin.energy })}` }),
    ]);
    if (checkin.shared_with_cohort) {
      title.append(document.createTextNode(" "), el("span", { class: "badge", text: T.sharedWithCohort }));
    }
    const replies = el("ol", { class: "replies", "aria-label": T.replies });
    for (const reply of checkin.replies || []) replies.append(replyItem(reply));
    return el("article", { class: "checkin card", "data-checkin-id": String(checkin.id) }, [
      title,
      body,
      replies,
      canReply(checkin) ? replyForm(checkin) : null,
    ]);
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
    const row = el("li", { class: "goal-row", "data-goal-id": String(goal.id) }, [
      el("a", { href: goal.url, text: goal.title }),
      document.createTextNode(" "),
      el("span", { class: `badge status-${goal.status}`, text: goal.status_label }),
    ]);
    if (goal.owner) row.append(document.createTextNode(" "), el("span", { class: "muted", text: `· ${goal.owner.name}` }));
    return row;
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
    me = frame.me;
    if (feed) {
      feed.replaceChildren();
      if (!frame.checkins.length) feed.append(el("p", { class: "muted empty-note", text: T.noCheckins }));
      for (const checkin of frame.checkins) upsertCheckin(checkin, { isNew: false });
    }
    if (goalList) {
      goalList.replaceChildren();
      if (!frame.goals.length) goalList.append(el("li", { class: "muted empty-note", text: T.noGoals }));
      for (const goal of frame.goals) upsertGoal(goal);
    }
  }

  function settle(frame, ok) {
    const form = pending.get(frame.client_id);
    if (!form) return;
    pending.delete(frame.client_id);
    const button = form.querySelector("button");
    const error = form.querySelector(".errorlist");
    button.disabled = false;
    button.textContent = T.reply;
    if (ok) {
      form.querySelector("textarea").value = "";
      form.elements.client_id.value = "";
      error.textContent = "";
      if (frame.reply) addReply(frame.reply);
    } else {
      error.textContent = frame.message;
    }
  }

  const handlers = {
    "cohort.snapshot": applySnapshot,
    "cohort.resumed": () => {},
    "checkin.posted": (frame) => upsertCheckin(frame.checkin, { isNew: true }),
    "checkin.edited": (frame) => upsertCheckin(frame.checkin, { isNew: false }),
    "checkin.removed": (frame) => removeCheckin(frame.checkin),
    "reply.posted": (frame) => addReply(frame.reply),
    "goal.updated": (frame) => upsertGoal(frame.goal),
    "goal.removed": (frame) => removeGoal(frame.goal),
    ack: (frame) => settle(frame, true),
    error: (frame) => settle(frame, false),
    pong: () => {},
  };

  function receive(event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    if (Number.isInteger(frame.seq)) lastSeq = frame.seq;
    if (frame.type === "cohort.snapshot" || frame.type === "cohort.resumed") {
      attempt = 0;
      setStatus(T.live);
      panel.dataset.live = "on";
    }
    const handler = handlers[frame.type];
    if (handler) handler(frame);
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const query = Number.isInteger(lastSeq) ? `?last_seq=${lastSeq}` : "";
    socket = new WebSocket(`${scheme}//${window.location.host}${panel.dataset.socket}${query}`);
    socket.addEventListener("message", receive);
    socket.addEventListener("close", (event) => {
      socket = null;
      panel.dataset.live = "off";
      for (const frame of pending.keys()) settle({ client_id: frame, message: T.reconnecting }, false);
      if (FINAL_CODES.has(event.code)) {
        setStatus(T.closed);
        return;
      }
      setStatus(T.reconnecting);
      const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      window.setTimeout(connect, delay);
    });
  }

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
    replyClientId(form, text);
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    event.preventDefault();
    const error = form.querySelector(".errorlist");
    if (!text) {
      error.textContent = T.empty;
      textarea.focus();
      return;
    }
    if (text.length > 2000) {
      error.textContent = T.tooLong;
      return;
    }
    const clientId = replyClientId(form, text);
    pending.set(clientId, form);
    const button = form.querySelector("button");
    button.disabled = true;
    button.textContent = T.sending;
    socket.send(JSON.stringify({
      type: "reply.post",
      client_id: clientId,
      checkin: Number(form.dataset.checkin),
      text,
    }));
  });

  connect();
})();
