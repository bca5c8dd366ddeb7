import { describe, expect, it } from "vitest";
import { afterDismiss, afterPin, meaningStatus, voices } from "./relevant";
import type { RelevantComplaint } from "./ipc";

function r(id: string, mark: RelevantComplaint["mark"] = null, duplicates = 0): RelevantComplaint {
  return {
    complaint: {
      id, source: "demo", external_id: id, received_at: "2026-11-01T00:00:00Z", title: id, body: "", customer: "",
      segment: "", product: "", channel: "", severity: "", tags: [],
    },
    score: 1, why: [], title: [], excerpt: [], duplicates, duplicate_ids: [], mark,
  };
}

describe("relevant complaints", () => {
  it("a group reads as the customers behind it", () => {
    expect(voices(r("a", null, 13))).toBe("14 customers said this");
    expect(voices(r("b"))).toBeNull();
  });

  it("pinning moves a complaint after the other pins", () => {
    const list = [r("p", "pinned"), r("a"), r("b")];
    expect(afterPin(list, "b").map((x) => [x.complaint.id, x.mark])).toEqual([["p", "pinned"], ["b", "pinned"], ["a", null]]);
  });

  it("a dismissed complaint leaves the list unless dismissed ones are shown", () => {
    const list = [r("a"), r("b")];
    expect(afterDismiss(list, "a", false).map((x) => x.complaint.id)).toEqual(["b"]);
    expect(afterDismiss(list, "a", true)[0]?.mark).toBe("dismissed");
  });
});

describe("meaningStatus", () => {
  const p = (embedded: number, total: number, running = true, problem: string | null = null) => ({ embedded, total, running, problem });
  it("says how far embedding has come while it runs", () => {
    const s = meaningStatus(p(1234, 3080));
    expect(s.tone).toBe("busy");
    expect(s.percent).toBe(40);
    expect(s.text).toContain("1,234 of 3,080");
  });
  it("says why complaints are found by words alone", () => {
    const s = meaningStatus(p(0, 10, false, "the language model is not installed"));
    expect(s.tone).toBe("warn");
    expect(s.text).toContain("words alone: the language model is not installed");
  });
  it("says nothing for an empty workspace and confirms when all are read", () => {
    expect(meaningStatus(p(0, 0)).tone).toBe("none");
    expect(meaningStatus(p(5, 5, false)).tone).toBe("done");
    expect(meaningStatus(p(2, 5, false)).tone).toBe("warn");
  });
});
