import { describe, expect, it } from "vitest";
import type { FollowThrough, ThemeView } from "./ipc";
import { followThroughSentence, heardLabel, ordered, trendLabel, unheard } from "./themes";

function theme(id: string, size: number, recent: number, previous: number, over: Partial<ThemeView> = {}): ThemeView {
  return {
    id,
    name: `theme ${id}`,
    found_name: null,
    size,
    recent,
    previous,
    weekly: [],
    trend: "steady",
    first_complaint: "2026-10-01T00:00:00Z",
    heard: false,
    last_heard: null,
    examples: [],
    example_complaints: [],
    segments: [],
    personas: [],
    ...over,
  };
}

describe("theme order", () => {
  const big = theme("big", 500, 40, 40);
  const rising = theme("rising", 60, 50, 5);
  const both = theme("both", 400, 120, 60);
  const small = theme("small", 20, 2, 3);
  const all = [small, big, rising, both];

  it("orders by size, by rise, or by both", () => {
    expect(ordered(all, "biggest").map((t) => t.id)).toEqual(["big", "both", "rising", "small"]);
    expect(ordered(all, "rising").map((t) => t.id)).toEqual(["both", "rising", "big", "small"]);
    expect(ordered(all, "attention").map((t) => t.id)).toEqual(["both", "big", "rising", "small"]);
  });

  it("lists only the unheard, the most pressing first", () => {
    const heard = { ...both, heard: true, last_heard: "2026-11-20T10:00:00Z" };
    expect(unheard([small, big, rising, heard]).map((t) => t.id)).toEqual(["big", "rising", "small"]);
    expect(unheard([])).toEqual([]);
  });
});

describe("theme labels", () => {
  const now = new Date("2026-12-01T12:00:00Z");

  it("says how long a theme has gone unheard, or when it was heard", () => {
    expect(heardLabel(theme("a", 10, 1, 1), now)).toBe("unheard for 2 months");
    expect(heardLabel(theme("a", 10, 1, 1, { first_complaint: "2026-11-02T12:00:00Z" }), now)).toBe("unheard for 29 days");
    expect(heardLabel(theme("a", 10, 1, 1, { first_complaint: "2017-08-16T12:00:00Z" }), now)).toBe("unheard for 9 years");
    expect(heardLabel(theme("a", 10, 1, 1, { first_complaint: "2026-12-01T08:00:00Z" }), now)).toBe("never heard");
    expect(heardLabel(theme("a", 10, 1, 1, { heard: true, last_heard: "2026-11-28T12:00:00Z" }), now)).toBe("heard 3 days ago");
  });

  it("gives the counts behind a trend", () => {
    expect(trendLabel(theme("a", 10, 30, 10, { trend: "rising" }))).toBe("rising: 30 in the last 30 days, 10 in the 30 before");
    expect(trendLabel(theme("a", 10, 2, 1, { trend: "too few to tell" }))).toBe("2 in the last 30 days, 1 in the 30 before: too few to tell a trend");
    expect(trendLabel(theme("a", 10, 12, 0, { trend: "too new to tell" }))).toBe("12 in the last 30 days: the complaints do not go back far enough to tell a trend");
  });
});

describe("follow-through sentences", () => {
  const f = (verdict: FollowThrough["verdict"], before: number, after: number, ratio: number | null, low: number | null, high: number | null): FollowThrough => ({
    rate: { before, after, ratio, low, high },
    weeks_before: 8,
    weeks_after: 8,
    verdict,
  });

  it("states the counts, the ratio with its interval and the verdict", () => {
    expect(followThroughSentence(f("as_expected", 40, 10, 0.25, 0.125, 0.5), "helps")).toBe(
      "As expected: complaints were expected to fall and did. 40 complaints in the 8 weeks before, 10 in the weeks after (rate 0.25×, 95% interval 0.13–0.50).",
    );
    expect(followThroughSentence(f("against", 10, 50, 5, 2.5, 9.9), "helps")).toContain("expected to fall but went the other way");
    expect(followThroughSentence(f("against", 50, 10, 0.2, 0.1, 0.4), "hurts")).toContain("expected to rise");
  });

  it("says when it is too early or there are too few complaints", () => {
    expect(followThroughSentence(f("too_early", 12, 3, 0.25, 0.07, 0.9), "helps")).toBe(
      "Too early to tell: 8 weeks have not passed yet. So far 12 complaints in the 8 weeks before, 3 in the weeks after.",
    );
    expect(followThroughSentence(f("too_few", 1, 0, null, null, null), "helps")).toBe("Too few complaints to tell: 1 complaint in the 8 weeks before, 0 in the weeks after.");
  });
});
