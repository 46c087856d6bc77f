// The board as this user may see it: built from the snapshot, then changed by
// each event and ack. Knows nothing of the DOM.

export class BoardState {
  // can: what the page says this user may do (the board's config).
  constructor(can) {
    this.can = can;
    this.loaded = false;
    this.seq = null;
    this.me = null;
    this.session = null;
    this.phases = [];
    this.reflections = new Map();
    this.commitments = new Map();
    this.presence = [];
    this.timer = { state: "idle" };
    // Server clock minus this browser's clock, in milliseconds.
    this.clockOffset = 0;
  }

  get isLive() {
    return this.session?.status === "live";
  }

  get currentPhase() {
    return this.phases.find((phase) => phase.id === this.session?.current_phase) || null;
  }

  phase(id) {
    return this.phases.find((phase) => phase.id === id) || null;
  }

  applySnapshot(snapshot) {
    this.loaded = true;
    this.seq = snapshot.seq;
    this.me = snapshot.me;
    this.session = { ...snapshot.session };
    this.phases = sortPhases(snapshot.phases || []);
    this.reflections = new Map((snapshot.reflections || []).map((r) => [r.id, r]));
    this.commitments = new Map((snapshot.commitments || []).map((c) => [c.id, c]));
    this.presence = snapshot.presence || [];
    this.applyTimer(snapshot.timer);
  }

  applyTimer(timer) {
    if (!timer) return;
    if (timer.server_now) {
      const serverNow = Date.parse(timer.server_now);
      if (!Number.isNaN(serverNow)) this.clockOffset = serverNow - Date.now();
    }
    this.timer = timer;
  }

  serverNow() {
    return Date.now() + this.clockOffset;
  }

  // Whole seconds left on the timer, or null when no timer is set.
  remainingSeconds() {
    if (this.timer.state === "running" && this.timer.ends_at) {
      const left = (Date.parse(this.timer.ends_at) - this.serverNow()) / 1000;
      return Math.max(0, Math.ceil(left));
    }
    if (this.timer.state === "paused" && Number.isFinite(this.timer.remaining_seconds)) {
      return Math.max(0, this.timer.remaining_seconds);
    }
    return null;
  }

  upsertReflection(reflection) {
    const previous = this.reflections.get(reflection.id);
    const merged = { ...previous, ...reflection };
    // Events carry no per-user reactions: keep the ones this user has made.
    if (!("my_reactions" in reflection)) merged.my_reactions = previous?.my_reactions || [];
    this.reflections.set(reflection.id, merged);
    return merged;
  }

  removeReflection(id) {
    this.reflections.delete(id);
    if (this.session?.spotlight === id) this.session.spotlight = null;
  }

  // Apply one server event; returns what changed, for announcements. An event
  // already seen (seq not above the last one) is ignored.
  applyEvent(event) {
    if (Number.isInteger(event.seq)) {
      if (Number.isInteger(this.seq) && event.seq <= this.seq) return null;
      this.seq = event.seq;
    }
    switch (event.type) {
      case "reflection.posted": {
        const isNew = !this.reflections.has(event.reflection.id);
        const reflection = this.upsertReflection(event.reflection);
        return isNew ? { posted: reflection } : {};
      }
      case "reflection.edited":
      case "reflection.unhidden":
        this.upsertReflection(event.reflection);
        return {};
      case "reflection.deleted":
        this.removeReflection(event.reflection);
        return {};
      case "reflection.hidden": {
        const reflection = this.reflections.get(event.reflection);
        if (this.can.see_hidden && reflection) reflection.hidden = true;
        else this.removeReflection(event.reflection);
        return {};
      }
      case "reaction.changed": {
        const reflection = this.reflections.get(event.reflection);
        if (reflection) reflection.reactions = event.reactions;
        return {};
      }
      case "phase.changed":
        this.session.current_phase = event.current_phase;
        this.applyTimer(event.timer);
        return { phase: this.currentPhase };
      case "timer.changed":
        this.applyTimer(event.timer);
        return {};
      case "spotlight.changed":
        this.session.spotlight = event.spotlight;
        return { spotlight: this.reflections.get(event.spotlight) || null };
      case "posting.changed":
        this.session.posting_locked = event.posting_locked;
        return { posting: event.posting_locked };
      case "session.started":
      case "session.ended":
        this.session.status = event.status;
        if ("current_phase" in event) this.session.current_phase = event.current_phase;
        this.applyTimer(event.timer);
        return { status: event.status };
      case "session.changed":
        this.session = { ...this.session, ...event.session };
        return {};
      case "agenda.changed":
        this.phases = sortPhases(event.phases || []);
        if ("current_phase" in event) this.session.current_phase = event.current_phase;
        return {};
      case "commitment.added":
        this.commitments.set(event.commitment.id, event.commitment);
        return {};
      case "presence.changed":
        this.presence = event.presence || [];
        return {};
      default:
        // A newer server may send types this client does not know yet.
        return {};
    }
  }

  // What an ack from the server means for the board. `request` is the frame
  // this client sent with the same client_id.
  applyAck(ack, request) {
    switch (request?.type) {
      case "reflection.post":
      case "reflection.edit":
        if (ack.reflection) this.upsertReflection(ack.reflection);
        break;
      case "reflection.delete":
        this.removeReflection(request.reflection);
        break;
      case "reaction.add":
      case "reaction.remove": {
        const reflection = this.reflections.get(ack.reflection);
        if (reflection) {
          if (ack.reactions) reflection.reactions = ack.reactions;
          if (ack.my_reactions) reflection.my_reactions = ack.my_reactions;
        }
        break;
      }
      case "commitment.add":
        if (ack.commitment) this.commitments.set(ack.commitment.id, ack.commitment);
        break;
      default:
        break;
    }
  }

  // Reflections of one phase, oldest first.
  reflectionsOf(phaseId) {
    return [...this.reflections.values()]
      .filter((r) => r.phase === phaseId)
      .sort((a, b) => compareTime(a.created_at, b.created_at) || a.id - b.id);
  }

  sortedCommitments() {
    return [...this.commitments.values()].sort(
      (a, b) => compareTime(a.created_at, b.created_at) || a.id - b.id,
    );
  }
}

function sortPhases(phases) {
  return [...phases].sort((a, b) => a.position - b.position);
}

function compareTime(a, b) {
  return (Date.parse(a) || 0) - (Date.parse(b) || 0);
}
