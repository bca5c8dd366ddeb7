import { describe, expect, it } from "vitest";
import { showWhile } from "./modal";

/** A stand-in for a <dialog> that records what was done to it. */
function fakeDialog() {
  const done: string[] = [];
  const d = {
    open: false,
    showModal() {
      done.push("show");
      d.open = true;
    },
    close() {
      done.push("close");
      d.open = false;
    },
  };
  return { dialog: d as unknown as HTMLDialogElement, done };
}

describe("showWhile", () => {
  it("opens once with its hooks around the opening, and closes when the flag drops", () => {
    const { dialog, done } = fakeDialog();
    const hooks = { opening: () => done.push("opening"), opened: () => done.push("opened") };
    showWhile(dialog, true, hooks);
    showWhile(dialog, true, hooks);
    showWhile(dialog, false, hooks);
    showWhile(dialog, false, hooks);
    expect(done).toEqual(["opening", "show", "opened", "close"]);
  });

  it("waits for the dialog to exist", () => {
    expect(() => showWhile(undefined, true)).not.toThrow();
  });
});
