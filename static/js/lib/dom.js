// DOM building without HTML strings: every piece of text becomes a text node, so
// markup typed into a reflection or a reply is shown as the characters it is.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "value") el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// What has focus inside `root`, so it can be given back after a rebuild.
function captureFocus(root) {
  const active = document.activeElement;
  if (!active || !root.contains(active) || !active.dataset.focusKey) return null;
  const saved = { key: active.dataset.focusKey };
  if (typeof active.selectionStart === "number") {
    saved.selection = [active.selectionStart, active.selectionEnd];
  }
  return saved;
}

function restoreFocus(root, saved) {
  if (!saved) return;
  const target = root.querySelector(`[data-focus-key="${CSS.escape(saved.key)}"]`);
  if (!target || target.disabled) return;
  target.focus({ preventScroll: true });
  if (saved.selection && typeof target.setSelectionRange === "function") {
    target.setSelectionRange(...saved.selection);
  }
}

// Swap `old` for `fresh`; a keyboard user keeps focus on the same control.
export function replaceNode(old, fresh) {
  const saved = captureFocus(old);
  old.replaceWith(fresh);
  restoreFocus(fresh, saved);
}

// Fill `container` with new children, keeping focus on the same control.
export function replaceChildren(container, ...children) {
  const saved = captureFocus(container);
  container.replaceChildren(...children.flat(Infinity).filter(Boolean));
  restoreFocus(container, saved);
}

// Put `nodes` in `parent` in this order, moving only nodes out of place:
// moving a node out of the document would take focus away from it.
export function syncChildren(parent, nodes) {
  nodes.forEach((node, index) => {
    const current = parent.children[index];
    if (current !== node) parent.insertBefore(node, current || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}

// crypto.randomUUID exists only in secure contexts; getRandomValues everywhere.
export function uuid4() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// The JSON a page put in <script type="application/json" id="...">
// (Django's json_script), or null when the page has none.
export function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}
