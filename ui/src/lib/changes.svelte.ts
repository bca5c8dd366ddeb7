// Changes to the database, whoever made them: this window, the other one, or the `chair`
// command line. The backend tells every window (at most once a second);
// each screen reads what it shows again when it hears of one.
import { untrack } from "svelte";
import { events } from "./ipc";

class Changes {
  /** Goes up by one each time the database changed. */
  version = $state(0);
}

export const changes = new Changes();

/** Counts the backend's change events until the returned function is called (App does this). */
export function followChanges(then?: () => void): () => void {
  const listening = events.dataChanged.listen(() => {
    changes.version++;
    then?.();
  });
  return () => void listening.then((stop) => stop());
}

/**
 * Calls `reload` each time the database changes from now on; call it while a component is being
 * set up, and it stops with the component.
 */
export function reloadOnChange(reload: () => void): void {
  let seen = untrack(() => changes.version);
  $effect(() => {
    const now = changes.version;
    if (now === seen) return;
    seen = now;
    untrack(reload);
  });
}
