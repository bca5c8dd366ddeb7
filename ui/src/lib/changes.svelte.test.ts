import { describe, expect, it, vi } from "vitest";
import { flushSync } from "svelte";

const listeners: ((e: unknown) => void)[] = [];
vi.mock("@tauri-apps/api/event", () => ({
  listen: (_name: string, f: (e: unknown) => void) => {
    listeners.push(f);
    return Promise.resolve(() => {});
  },
}));

import { changes, followChanges, latestOnly, reloadOnChange } from "./changes.svelte";

describe("changes", () => {
  it("each change event from the backend counts once and tells the app", async () => {
    const told = vi.fn();
    const stop = followChanges(told);
    await Promise.resolve();
    const before = changes.version;
    for (const f of listeners) f({ payload: { db_path: "x.db" } });
    expect(changes.version).toBe(before + 1);
    expect(told).toHaveBeenCalledTimes(1);
    stop();
  });

  it("a screen reads again on each change after it opened, not for the ones before", () => {
    changes.version = 7;
    let reads = 0;
    const stop = $effect.root(() => reloadOnChange(() => reads++));
    flushSync();
    expect(reads).toBe(0);
    changes.version++;
    flushSync();
    expect(reads).toBe(1);
    changes.version++;
    flushSync();
    expect(reads).toBe(2);
    stop();
    changes.version++;
    flushSync();
    expect(reads).toBe(2);
  });

  it("of reads that overlap, an older answer arriving last is dropped", async () => {
    const answers: ((v: string) => void)[] = [];
    const shown: string[] = [];
    const load = latestOnly(
      () => new Promise<string>((resolve) => answers.push(resolve)),
      (v) => shown.push(v),
      () => shown.push("failed"),
    );
    const first = load();
    const second = load();
    answers[1]?.("newer");
    await second;
    answers[0]?.("older");
    await first;
    expect(shown).toEqual(["newer"]);
    const third = load();
    answers[2]?.("newest");
    await third;
    expect(shown).toEqual(["newer", "newest"]);
  });
});
