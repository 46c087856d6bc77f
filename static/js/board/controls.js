// The facilitator's controls: phases, timer, posting and the end of the
// session. Shown to those the page says may run the session (config.can.run).

import { h } from "../lib/dom.js";
import { _ } from "../lib/i18n.js";

// The controls, rebuilt on every render of the board.
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
            max: ctx.config.limits.timer_minutes,
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
