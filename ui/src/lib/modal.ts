// Dialogs shown as modals while a flag says so.

/**
 * Shows `dialog` as a modal exactly while `open` is true (call it from an `$effect`):
 * `opening` runs just before it opens, to reset what it shows; `opened` just after, to move
 * the focus.
 */
export function showWhile(
  dialog: HTMLDialogElement | undefined,
  open: boolean,
  hooks: { opening?: () => void; opened?: () => void } = {},
): void {
  if (!dialog) return;
  if (open && !dialog.open) {
    hooks.opening?.();
    dialog.showModal();
    hooks.opened?.();
  }
  if (!open && dialog.open) dialog.close();
}
