import { describe, expect, it } from "vitest";
import type { AgendaItem, ItemClock, LiveState, Meeting, MeetingEvent } from "./ipc";
import { carryQuestion, clockText, closingChoices, dueIn, msToNextSecond, neighbours, spentNow, timerView, voiceOf } from "./live";

const item = (id: string, timebox = 10): AgendaItem => ({
  id,
  meeting_id: "m",
  position: 0,
  title: `Item ${id}`,
  description: "",
  customer_problem: "",
  owner: "",
  timebox_minutes: timebox,
  keywords: [],
  carried_from: null,
});

const meeting: Meeting = {
  id: "m",
  title: "Council",
  scheduled_at: null,
  facilitator: "",
  advocate: "Leo",
  description: "",
  status: "live",
  persona_ids: [],
  items: [item("a"), item("b"), item("c")],
  created_at: "",
  updated_at: "",
};

const said = (kind: MeetingEvent["kind"], itemId: string | null, text = ""): MeetingEvent => ({
  id: `${kind}-${itemId}-${text}`,
  at: "2026-11-22T10:00:00Z",
  kind,
  agenda_item_id: itemId,
  text,
  complaint_id: null,
  by: "Leo",
});

describe("the live meeting", () => {
  it("wakes once a second, exactly when the running timer shows its next second", () => {
    const clock = { agenda_item_id: "a", spent_seconds: 100, running: true } as Parameters<typeof spentNow>[0];
    for (const since of [0, 1, 250, 999, 1000, 2_499, 59_999]) {
      const wait = msToNextSecond(since);
      expect(wait, `after ${since} ms`).toBeGreaterThan(0);
      expect(wait, `after ${since} ms`).toBeLessThanOrEqual(1000);
      expect(spentNow(clock, since + wait), `the second turns over at ${since + wait} ms`).toBe(
        spentNow(clock, since) + 1,
      );
      expect(spentNow(clock, since + wait - 1), `and not a millisecond earlier`).toBe(spentNow(clock, since));
    }
  });

  it("reads clocks the way a wall clock does", () => {
    expect(clockText(0)).toBe("0:00");
    expect(clockText(65)).toBe("1:05");
    expect(clockText(3723)).toBe("1:02:03");
    expect(clockText(-5)).toBe("0:00");
  });

  it("shows overtime plainly once the timebox is spent", () => {
    const within = timerView(4 * 60, 10);
    expect(within).toMatchObject({ spent: "4:00", left: "6:00", over: false, closing: false });
    expect(within.used).toBeCloseTo(0.4);
    expect(timerView(9 * 60, 10).closing).toBe(true);
    const over = timerView(12 * 60 + 30, 10);
    expect(over).toMatchObject({ left: "+2:30", over: true, used: 1, closing: false });
  });

  it("counts a running timer on from when it was read, and a paused one not at all", () => {
    const clock: ItemClock = { agenda_item_id: "a", spent_seconds: 100, running: true, discussed: true, decisions: 0 };
    expect(spentNow(clock, 2_500)).toBe(102);
    expect(spentNow({ ...clock, running: false }, 60_000)).toBe(100);
    expect(spentNow(undefined, 1_000)).toBe(0);
  });

  it("knows the items before and after the current one", () => {
    expect(neighbours(meeting, "b")).toMatchObject({ index: 1, prev: { id: "a" }, next: { id: "c" } });
    expect(neighbours(meeting, "a").prev).toBeNull();
    expect(neighbours(meeting, "c").next).toBeNull();
    expect(neighbours(meeting, null)).toMatchObject({ index: -1, current: null, next: { id: "a" } });
  });

  it("lists what the advocate said on an item, newest first", () => {
    const events = [said("remark", "a", "just warn me"), said("object", "a", "midnight is too late"), said("agree", "a"), said("agree", "b")];
    expect(voiceOf([said("item", "a"), ...events], "a").map((e) => e.kind)).toEqual(["remark", "object", "agree"]);
  });

  it("offers to carry forward the items left without a decision", () => {
    const state: LiveState = {
      meeting,
      current_item_id: "b",
      clocks: [
        { agenda_item_id: "a", spent_seconds: 300, running: false, discussed: true, decisions: 1 },
        { agenda_item_id: "b", spent_seconds: 200, running: true, discussed: true, decisions: 0 },
        { agenda_item_id: "c", spent_seconds: 0, running: false, discussed: false, decisions: 0 },
      ],
      events: [],
      stances: [],
      open_escalations: 0,
      now: "2026-11-22T10:00:00Z",
    };
    expect(closingChoices(state).map((c) => [c.item.id, c.discussed, c.carry])).toEqual([
      ["b", true, true],
      ["c", false, true],
    ]);
  });

  it("dates a question a week out by default", () => {
    expect(dueIn(7, new Date(2026, 10, 28))).toBe("2026-12-05");
  });
});

describe("the carry-forward question", () => {
  it("names the next meeting, not the one being closed", () => {
    const q = carryQuestion("Product council — week 47");
    expect(q, "items go to the next meeting of the series").toContain("week 48");
    expect(q, "the meeting being closed is not where they go").not.toContain("week 47");
  });

  it("speaks of the series when the title has no number", () => {
    expect(carryQuestion("Product council")).toBe("Carry them forward to the next “Product council” meeting?");
  });
});
