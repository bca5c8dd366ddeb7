// Keyboard shortcuts: a small matcher so screens can declare theirs in one place.

/** True when the key went to a text field, where plain-letter shortcuts must not fire. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  const tag = t.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || t.isContentEditable;
}

/** Matches a shortcut such as "mod+s", "alt+arrowup", "n" or "?" against an event. */
export function matches(e: KeyboardEvent, shortcut: string): boolean {
  const parts = shortcut.toLowerCase().split("+");
  const key = parts.pop();
  const mod = parts.includes("mod");
  const alt = parts.includes("alt");
  const shift = parts.includes("shift");
  if (mod !== (e.ctrlKey || e.metaKey)) return false;
  if (alt !== e.altKey) return false;
  if (parts.length > 0 && shift !== e.shiftKey) return false;
  return e.key.toLowerCase() === key;
}
