import { describe, expect, it } from "vitest";
import { blankDecision, blankFollowUp, fromDraft, missing, toDraft, toggle } from "./decisionForm";
import { chartMax, isFiltered, blankFilter, pagesFor, pct, stillListed, visibleRange, ROW_HEIGHT } from "./audit";

describe("decision form", () => {
  it("says what is missing in the words of the form", () => {
    const f = blankDecision("Hannah K.");
    expect(missing(f)).toEqual([
      "what was decided",
      "which way customers are affected",
      "how much",
      "the impact in a sentence",
      "evidence, or “no customer evidence”",
      "the advocate's stance",
    ]);
    f.statement = "Add a grace period";
    f.direction = "unknown";
    f.size = "small";
    f.impact = "We do not know yet how customers react";
    f.no_evidence = true;
    f.stance = "agrees";
    expect(missing(f)).toEqual(["a follow-up: who finds out the impact, by when"]);
    f.follow_ups = [{ ...blankFollowUp(), what: "Ask ten customers", owner: "Aisha", due: "2026-12-01" }];
    expect(missing(f)).toEqual([]);
  });

  it("a correction is not ready while its reason is empty", () => {
    const f = blankDecision("Hannah K.");
    f.statement = "Add a grace period";
    f.direction = "helps";
    f.size = "small";
    f.impact = "Customers paid late stop paying the fee";
    f.no_evidence = true;
    f.stance = "agrees";
    expect(missing(f, ""), "a supersede without a reason is not everything the log needs").toEqual(["why it is corrected"]);
    expect(missing(f, "   "), "blanks are no reason").toEqual(["why it is corrected"]);
    expect(missing(f, "Legal asked for a cut-off time")).toEqual([]);
    expect(missing(f), "a new decision has no reason to give").toEqual([]);
  });

  it("an explicit 'no evidence' sends no complaints, and blank follow-ups are dropped", () => {
    const f = blankDecision("", [], ["c1"]);
    f.no_evidence = true;
    f.follow_ups = [blankFollowUp()];
    const d = toDraft(f, "m", "i", [{ complaint_id: "c9", score: 3 }]);
    expect(d.evidence).toEqual([]);
    expect(d.follow_ups).toEqual([]);
    expect(d.on_screen).toEqual([{ complaint_id: "c9", score: 3 }]);
  });

  it("a stored decision comes back into the form unchanged", () => {
    const f = blankDecision("Leo");
    Object.assign(f, { statement: "S", direction: "helps", size: "large", impact: "Customers gain", stance: "objects", evidence: ["c1"] });
    const back = fromDraft(toDraft(f, "m", null, []));
    expect(toDraft(back, "m", null, [])).toEqual(toDraft(f, "m", null, []));
  });

  it("toggling adds and removes", () => {
    expect(toggle(["a"], "b")).toEqual(["a", "b"]);
    expect(toggle(["a", "b"], "a")).toEqual(["b"]);
  });
});

describe("audit view", () => {
  it("draws only the rows in view, with some to spare", () => {
    expect(visibleRange(0, ROW_HEIGHT * 10, 100_000, 2)).toEqual([0, 12]);
    expect(visibleRange(ROW_HEIGHT * 5000, ROW_HEIGHT * 10, 100_000, 2)).toEqual([4998, 5012]);
    expect(visibleRange(0, 500, 3)).toEqual([0, 3]);
  });

  it("fetches the pages that hold the rows in view", () => {
    expect(pagesFor(0, 30)).toEqual([0]);
    expect(pagesFor(95, 130)).toEqual([0, 1]);
    expect(pagesFor(10, 10)).toEqual([]);
  });

  it("knows when a filter narrows the list", () => {
    const f = blankFilter();
    expect(isFiltered(f)).toBe(false);
    expect(isFiltered({ ...f, sort: "oldest" })).toBe(false);
    expect(isFiltered({ ...f, objected: true })).toBe(true);
  });

  it("the chart scale is round and never zero", () => {
    const w = (n: number) => ({ week: "2026-11-16", helps: n, hurts: 0, mixed: 0, neutral: 0, unknown: 0 });
    expect(chartMax([])).toBe(1);
    expect(chartMax([w(3)])).toBe(3);
    expect(chartMax([w(17)])).toBe(20);
    expect(chartMax([w(123)])).toBe(200);
    expect(pct(0.4231)).toBe("42 %");
  });
});

describe("the audit's detail panel", () => {
  it("lets go of an entry the filter no longer shows", () => {
    const page = [{ seq: 3 }, { seq: 1 }];
    expect(stillListed(1, 2, page)).toBe(true);
    expect(stillListed(2, 2, page), "entry 2 was filtered out").toBe(false);
    expect(stillListed(null, 2, page)).toBe(true);
    expect(stillListed(2, 500, page), "more matches than one page: it cannot tell").toBeNull();
    expect(stillListed(2, 0, []), "nothing matches any more").toBe(false);
  });
});
