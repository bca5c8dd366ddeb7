import { describe, expect, it } from "vitest";
import { blankRaise, raiseHasTyping } from "./raise";

describe("the ? dialog", () => {
  it("opens with no owner, question or old date left over", () => {
    const f = blankRaise(null, [{ id: "c1" }, { id: "c2" }], new Date(2026, 11, 3));
    expect(f, "a reopened dialog starts empty, so an owner is never typed twice").toEqual({
      chosen: "c1",
      question: "",
      owner: "",
      due: "2026-12-10",
    });
    expect(blankRaise("c2", [{ id: "c1" }, { id: "c2" }]).chosen).toBe("c2");
  });

  it("asks before discarding only when something was typed", () => {
    const f = blankRaise(null, [{ id: "c1" }]);
    expect(raiseHasTyping(f), "an untouched dialog closes at once").toBe(false);
    expect(raiseHasTyping({ ...f, owner: "Jonas P." }), "an owner is typing worth keeping").toBe(true);
    expect(raiseHasTyping({ ...f, question: "Why?" }), "a question is typing worth keeping").toBe(true);
    expect(raiseHasTyping({ ...f, owner: "  " }), "blanks are not typing").toBe(false);
  });
});
