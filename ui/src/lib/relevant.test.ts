import { describe, expect, it } from "vitest";
import { afterDismiss, afterPin, voices } from "./relevant";
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
