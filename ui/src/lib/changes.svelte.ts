// Changes to the database, whoever made them: this window, the other one, or the `chair`
// command line. The backend tells every window (at most once a second);
// each screen reads what it shows again when it hears of one.
import { onMount, untrack } from "svelte";
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

/**
 * A read whose answers are applied in the order the reads started: of reads that overlap (a
 * change heard while the screen was still reading), an older answer arriving last is dropped,
 * so it cannot replace a newer one.
 */
export function latestOnly<T>(read: () => Promise<T>, apply: (value: T) => void, fail: (e: unknown) => void): () => Promise<void> {
  let started = 0;
  return async () => {
    const mine = ++started;
    try {
      const value = await read();
      if (mine === started) apply(value);
    } catch (e) {
      if (mine === started) fail(e);
    }
  };
}

/**
 * What a screen shows, read when it opens and again on each change to the database (see
 * `latestOnly`); call it while a component is being set up. Returns the read, for the screen's
 * own reasons to read again (a filter changed).
 */
export function follow<T>(read: () => Promise<T>, apply: (value: T) => void, fail: (e: unknown) => void): () => Promise<void> {
  const load = latestOnly(read, apply, fail);
  onMount(() => void load());
  reloadOnChange(() => void load());
  return load;
}
