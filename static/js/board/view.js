// Builders for the parts of the board. Each returns fresh DOM nodes; board.js
// decides when to rebuild and keeps focus where it was.

import { h } from "./dom.js";
import { EMOJI } from "./state.js";
import { _, format, ngettext } from "./i18n.js";

export const REACTIONS = {
  plus_one: { glyph: "👍", label: () => _("Plus one") },
  heart: { glyph: "❤️", label: () => _("Heart") },
  clap: { glyph: "👏", label: () => _("Applause") },
  bulb: { glyph: "💡", label: () => _("Idea") },
  smile: { glyph: "🙂", label: () => _("Smile") },
};

export const PHASE_KINDS = {
  checkin: () => _("Check-in round"),
  reflection: () => _("Reflection prompt"),
  discussion: () => _("Discussion"),
  commitments: () => _("Commitments"),
  close: () => _("Close"),
};

export function kindLabel(kind) {
  return (PHASE_KINDS[kind] || (() => kind))();
}

export function authorName(reflection) {
  return reflection.author ? reflection.author.name : _("Anonymous");
}

export function formatSeconds(total) {
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mm = String(minutes).padStart(hours ? 2 : 1, "0");
  const ss = String(seconds).padStart(2, "0");
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// One reflection with its reactions and the actions this user may take.
export function reflectionItem(reflection, ctx) {
  const { state, ui, actions } = ctx;
  const id = reflection.id;
  const metaId = `reflection-${id}-meta`;
  const editing = ui.editing.has(id);
  const confirmingDelete = ui.confirmingDelete.has(id);
  const canAct = state.isLive && ctx.connected;

  const badges = [];
  if (reflection.mine) badges.push(h("span", { class: "badge", text: _("You") }));
  if (reflection.edited) badges.push(h("span", { class: "badge", text: _("edited") }));
  if (reflection.hidden) badges.push(h("span", { class: "badge danger", text: _("Hidden") }));
  if (state.session?.spotlight === id) {
    badges.push(h("span", { class: "badge ok", text: _("Spotlighted") }));
  }

  const meta = h(
    "p",
    { class: "reflection-meta", id: metaId },
    h("span", { class: "reflection-author", text: authorName(reflection) }),
    " ",
    h("time", { datetime: reflection.created_at, class: "muted", text: formatTime(reflection.created_at) }),
    " ",
    badges,
  );

  let body;
  if (editing) {
    const fieldId = `reflection-${id}-edit`;
    body = h(
      "form",
      {
        class: "reflection-edit",
        onsubmit: (event) => {
          event.preventDefault();
          actions.saveEdit(id);
        },
      },
      h("label", { for: fieldId, text: _("Edit your reflection") }),
      h("textarea", {
        id: fieldId,
        maxlength: 1000,
        rows: 3,
        value: ui.editing.get(id),
        dataset: { focusKey: "edit-text" },
        oninput: (event) => ui.editing.set(id, event.target.value),
        onkeydown: (event) => {
          if (event.key === "Escape") actions.cancelEdit(id);
        },
      }),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", disabled: !canAct, dataset: { focusKey: "edit-save" }, text: _("Save") }),
        h("button", {
          type: "button",
          class: "secondary",
          dataset: { focusKey: "edit-cancel" },
          onclick: () => actions.cancelEdit(id),
          text: _("Cancel"),
        }),
      ),
    );
  } else {
    body = h("p", { class: "reflection-text", text: reflection.text });
  }

  const reactions = h(
    "div",
    { class: "reactions", role: "group", "aria-label": _("Reactions") },
    EMOJI.map((emoji) => {
      const count = reflection.reactions?.[emoji] || 0;
      const pressed = (reflection.my_reactions || []).includes(emoji);
      return h(
        "button",
        {
          type: "button",
          class: "reaction",
          "aria-pressed": pressed ? "true" : "false",
          disabled: !canAct,
          dataset: { focusKey: `react-${emoji}` },
          onclick: () => actions.toggleReaction(id, emoji, pressed),
        },
        h("span", { "aria-hidden": "true", text: REACTIONS[emoji].glyph }),
        h("span", { class: "visually-hidden", text: REACTIONS[emoji].label() }),
        " ",
        h("span", { class: "reaction-count", text: String(count) }),
      );
    }),
  );

  const buttons = [];
  if (reflection.mine && !editing && state.isLive) {
    if (confirmingDelete) {
      buttons.push(
        h("span", { class: "confirm-text", text: _("Delete this reflection?") }),
        h("button", {
          type: "button",
          class: "danger",
          disabled: !canAct,
          dataset: { focusKey: "delete-confirm" },
          onclick: () => actions.deleteReflection(id),
          text: _("Yes, delete"),
        }),
        h("button", {
          type: "button",
          class: "secondary",
          dataset: { focusKey: "delete-cancel" },
          onclick: () => actions.cancelDelete(id),
          text: _("Keep it"),
        }),
      );
    } else {
      buttons.push(
        h("button", {
          type: "button",
          class: "secondary",
          disabled: !canAct,
          dataset: { focusKey: "edit" },
          onclick: () => actions.startEdit(id),
          text: _("Edit"),
        }),
        h("button", {
          type: "button",
          class: "secondary",
          disabled: !canAct,
          dataset: { focusKey: "delete" },
          onclick: () => actions.askDelete(id),
          text: _("Delete"),
        }),
      );
    }
  }
  if (state.isFacilitator && state.isLive) {
    const spotlighted = state.session.spotlight === id;
    buttons.push(
      h("button", {
        type: "button",
        class: "secondary",
        disabled: !canAct || (reflection.hidden && !spotlighted),
        dataset: { focusKey: "spotlight" },
        onclick: () => actions.setSpotlight(spotlighted ? null : id),
        text: spotlighted ? _("Remove spotlight") : _("Spotlight"),
      }),
      h("button", {
        type: "button",
        class: "secondary",
        disabled: !canAct,
        dataset: { focusKey: "hide" },
        onclick: () => actions.hideReflection(id, !reflection.hidden),
        text: reflection.hidden ? _("Unhide") : _("Hide"),
      }),
    );
  }

  return h(
    "li",
    {
      class: `reflection${reflection.hidden ? " is-hidden" : ""}`,
      dataset: { reflectionId: String(id) },
    },
    h(
      "article",
      { "aria-labelledby": metaId },
      meta,
      body,
      reactions,
      buttons.length ? h("div", { class: "actions reflection-actions" }, buttons) : null,
    ),
  );
}

// A post waiting in the outbox: shown at once, marked until the server has it.
export function pendingItem(item, ctx) {
  const note = ctx.connected
    ? _("Sending…")
    : _("Pending: will be sent when the connection returns");
  return h(
    "li",
    { class: "reflection is-pending", dataset: { clientId: item.client_id } },
    h(
      "article",
      {},
      h(
        "p",
        { class: "reflection-meta" },
        h("span", { class: "reflection-author", text: ctx.state.me?.name || _("You") }),
        " ",
        h("span", { class: "badge warn", text: note }),
      ),
      h("p", { class: "reflection-text", text: item.text }),
    ),
  );
}

export function spotlightBody(reflection, ctx) {
  const parts = [
    h("p", { class: "reflection-meta" }, h("span", { class: "reflection-author", text: authorName(reflection) })),
    h("blockquote", { class: "spotlight-text", text: reflection.text }),
  ];
  if (ctx.state.isFacilitator && ctx.state.isLive) {
    parts.push(
      h("button", {
        type: "button",
        class: "secondary",
        disabled: !ctx.connected,
        dataset: { focusKey: "spotlight-clear" },
        onclick: () => ctx.actions.setSpotlight(null),
        text: _("Remove spotlight"),
      }),
    );
  }
  return parts;
}

export function commitmentItem(commitment, ctx) {
  const author = commitment.mine ? _("You") : commitment.author?.name || "";
  return h(
    "li",
    { class: "commitment" },
    ctx.state.isFacilitator ? h("span", { class: "reflection-author", text: author }) : null,
    ctx.state.isFacilitator ? " " : null,
    h("span", { class: "commitment-text", text: commitment.text }),
  );
}

export function pendingCommitmentItem(item, ctx) {
  const note = ctx.connected
    ? _("Sending…")
    : _("Pending: will be sent when the connection returns");
  return h(
    "li",
    { class: "commitment is-pending" },
    h("span", { class: "commitment-text", text: item.text }),
    " ",
    h("span", { class: "badge warn", text: note }),
  );
}

export function presenceItems(ctx) {
  return ctx.state.presence.map((person) =>
    h(
      "li",
      {},
      h("span", { text: person.name }),
      person.role === "facilitator" ? [" ", h("span", { class: "badge", text: _("Facilitator") })] : null,
      person.user === ctx.state.me?.user ? [" ", h("span", { class: "muted", text: _("(you)") })] : null,
    ),
  );
}

// The agenda for everyone; for facilitators each phase has a "Go to" button.
export function agendaItems(ctx) {
  const { state, actions } = ctx;
  const current = state.session?.current_phase;
  return state.phases.map((phase, index) => {
    const isCurrent = phase.id === current;
    const minutes = format(ngettext("%(count)s min", "%(count)s min", phase.timebox_minutes), {
      count: phase.timebox_minutes,
    });
    const parts = [
      h("span", { class: "agenda-title", text: `${index + 1}. ${phase.title}` }),
      " ",
      h("span", { class: "muted", text: `(${minutes})` }),
    ];
    if (isCurrent) parts.push(" ", h("span", { class: "badge ok", text: _("Now") }));
    if (state.isFacilitator && state.isLive) {
      // The current phase keeps a focusable (aria-disabled) button, so focus
      // stays put after "Go to" has made it current.
      parts.push(
        h(
          "button",
          {
            type: "button",
            class: "secondary small",
            disabled: !ctx.connected,
            "aria-disabled": isCurrent ? "true" : null,
            dataset: { focusKey: `goto-${phase.id}` },
            onclick: () => {
              if (!isCurrent) actions.gotoPhase(phase.id);
            },
          },
          _("Go to"),
          h("span", { class: "visually-hidden", text: ` ${phase.title}` }),
        ),
      );
    }
    return h("li", { class: isCurrent ? "is-current" : "", "aria-current": isCurrent ? "step" : null }, parts);
  });
}

// Timer, posting and end-of-session controls for facilitators.
export function controls(ctx) {
  const { state, ui, actions } = ctx;
  if (state.session?.status === "scheduled") {
    return [h("p", { class: "muted", text: _("Start the session to use these controls.") })];
  }
  if (!state.isLive) return [h("p", { class: "muted", text: _("The session has ended.") })];
  const off = !ctx.connected;
  const phaseIndex = state.phases.findIndex((p) => p.id === state.session.current_phase);
  const previous = phaseIndex > 0 ? state.phases[phaseIndex - 1] : null;
  const next = phaseIndex >= 0 ? state.phases[phaseIndex + 1] : state.phases[0];
  const timerState = state.timer.state;
  const button = (key, text, onclick, extra = {}) =>
    h("button", { type: "button", disabled: off, dataset: { focusKey: key }, onclick, text, ...extra });

  const phaseButtons = h(
    "div",
    { class: "actions" },
    previous ? button("phase-prev", _("Previous phase"), () => actions.gotoPhase(previous.id), { class: "secondary" }) : null,
    next ? button("phase-next", _("Next phase"), () => actions.gotoPhase(next.id)) : null,
  );

  const minutesId = "board-timer-minutes";
  const timerButtons = [];
  if (timerState === "running") {
    timerButtons.push(button("timer-pause", _("Pause timer"), () => actions.timer("timer.pause")));
  } else if (timerState === "paused") {
    timerButtons.push(button("timer-resume", _("Resume timer"), () => actions.resumeTimer()));
  } else {
    timerButtons.push(button("timer-start", _("Start timer"), () => actions.startTimer()));
  }
  if (timerState === "running" || timerState === "paused") {
    timerButtons.push(
      button("timer-extend-1", _("Add 1 minute"), () => actions.timer("timer.extend", { seconds: 60 }), { class: "secondary" }),
      button("timer-extend-5", _("Add 5 minutes"), () => actions.timer("timer.extend", { seconds: 300 }), { class: "secondary" }),
      button("timer-clear", _("Clear timer"), () => actions.timer("timer.clear"), { class: "secondary" }),
    );
  }
  const timerGroup = h(
    "fieldset",
    { class: "control-group" },
    h("legend", { text: _("Timer") }),
    timerState === "running" || timerState === "paused"
      ? null
      : [
          h("label", { for: minutesId, text: _("Minutes") }),
          h("input", {
            id: minutesId,
            type: "number",
            min: 1,
            max: 240,
            inputmode: "numeric",
            value: ui.timerMinutes,
            dataset: { focusKey: "timer-minutes" },
            oninput: (event) => {
              ui.timerMinutes = event.target.value;
            },
          }),
        ],
    h("div", { class: "actions" }, timerButtons),
  );

  const locked = state.session.posting_locked;
  const postingGroup = h(
    "fieldset",
    { class: "control-group" },
    h("legend", { text: _("Posting") }),
    h(
      "div",
      { class: "actions" },
      button("posting", locked ? _("Unlock posting") : _("Lock posting"), () => actions.lockPosting(!locked), {
        class: "secondary",
      }),
    ),
  );

  const endGroup = h(
    "div",
    { class: "actions end-session" },
    ui.confirmingEnd
      ? [
          h("span", { class: "confirm-text", text: _("End the session for everyone?") }),
          button("end-confirm", _("Yes, end the session"), () => actions.endSession(), { class: "danger" }),
          h("button", {
            type: "button",
            class: "secondary",
            dataset: { focusKey: "end-cancel" },
            onclick: () => actions.cancelEnd(),
            text: _("Cancel"),
          }),
        ]
      : button("end", _("End session"), () => actions.askEnd(), { class: "danger" }),
  );

  return [
    h("fieldset", { class: "control-group" }, h("legend", { text: _("Phase") }), phaseButtons),
    timerGroup,
    postingGroup,
    endGroup,
  ];
}
