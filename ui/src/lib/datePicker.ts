// WebKitGTK's date picker (a calendar under a date field) stays open after a day is picked,
// over whatever lies below it: the "?" dialog's Raise button, a form's next field. A pick is a
// change of the field with no key pressed in it; on a pick the focus moves on, which closes the
// calendar. Typing a date into the field keeps it open as it was.

/** How long after a key press a change still counts as typed rather than picked. */
const TYPED_MS = 400;

/**
 * A Svelte action for a date input: on a pick from its calendar, moves the focus to `next()`
 * (the control a person goes to after choosing the date), or out of the field.
 */
export function closesPickerOnPick(node: HTMLInputElement, next?: () => HTMLElement | null | undefined) {
  let typedAt = Number.NEGATIVE_INFINITY;
  let after = next;
  const keydown = () => (typedAt = performance.now());
  const input = () => {
    if (performance.now() - typedAt < TYPED_MS) return;
    const target = after?.();
    if (target) target.focus();
    else node.blur();
  };
  node.addEventListener("keydown", keydown);
  node.addEventListener("input", input);
  return {
    update(n?: () => HTMLElement | null | undefined) {
      after = n;
    },
    destroy() {
      node.removeEventListener("keydown", keydown);
      node.removeEventListener("input", input);
    },
  };
}
