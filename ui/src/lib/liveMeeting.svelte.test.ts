import { describe, expect, it, vi } from "vitest";

// Each read of the live state waits until the test lets it finish.
const pending: ((state: unknown) => void)[] = [];
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (cmd: string) => {
    if (cmd !== "live_state") return Promise.reject(new Error(`unexpected ${cmd}`));
    return new Promise((resolve) => pending.push((s) => resolve(s)));
  },
}));

import { LiveMeeting } from "./liveMeeting.svelte";
import type { LiveState } from "./ipc";

const state = (note: string) => ({ meeting: { title: note } }) as unknown as LiveState;
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("LiveMeeting", () => {
  it("a read that started before a command's state arrived does not put the older state back", async () => {
    const live = new LiveMeeting("m1");
    const done = live.refresh();
    await settle();
    live.take(state("pinned"));
    pending.shift()?.(state("before the pin"));
    await settle();
    expect(live.state).toEqual(state("pinned"));
    // It reads once more instead, and takes what that read finds.
    pending.shift()?.(state("after the pin"));
    await done;
    expect(live.state).toEqual(state("after the pin"));
  });

  it("reads asked for while one runs fold into one more read", async () => {
    const live = new LiveMeeting("m2");
    const done = live.refresh();
    void live.refresh();
    void live.refresh();
    await settle();
    pending.shift()?.(state("first"));
    await settle();
    expect(pending).toHaveLength(1);
    pending.shift()?.(state("second"));
    await done;
    expect(live.state).toEqual(state("second"));
  });
});
