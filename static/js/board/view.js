// Builders for the parts of the board. Each returns fresh DOM nodes; the
// renderer (render.js) decides when to rebuild and keeps focus where it was.
// What this user may do comes from the page (ctx.can), text limits and the
// reactions too (ctx.config): none of it is decided here.

import { h } from "../lib/dom.js";
import { _, format, ngettext } from "../lib/i18n.js";
import { readerTimeZone } from "../lib/timezone.js";

// A phase kind's name, as the model names it (config.phase_kinds).
export function kindLabel(kind, config) {
  return config.phase_kinds[kind] || kind;
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
  // In the zone the page shows its times in (the reader's setting, else the browser's).
  return date.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: readerTimeZone(),
  });
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
        maxlength: ctx.config.limits.reflection,
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
    ctx.config.reactions.map(({ emoji, glyph, label }) => {
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
        h("span", { "aria-hidden": "true", text: glyph }),
        h("span", { class: "visually-hidden", text: label }),
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
  if (ctx.can.run && state.isLive) {
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
  if (ctx.can.run && ctx.state.isLive) {
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
    ctx.can.see_all_commitments ? h("span", { class: "reflection-author", text: author }) : null,
    ctx.can.see_all_commitments ? " " : null,
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

// Who each person present is, as the server names them (not a right here).
const ROLE_BADGES = { facilitator: () => _("Facilitator") };

export function presenceItems(ctx) {
  return ctx.state.presence.map((person) =>
    h(
      "li",
      {},
      h("span", { text: person.name }),
      person.role in ROLE_BADGES ? [" ", h("span", { class: "badge", text: ROLE_BADGES[person.role]() })] : null,
      person.user === ctx.state.me?.user ? [" ", h("span", { class: "muted", text: _("(you)") })] : null,
    ),
  );
}

// The agenda for everyone; for those who run the session each phase has a
// "Go to" button.
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
    if (ctx.can.run && state.isLive) {
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

