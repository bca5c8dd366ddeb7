import { describe, expect, it } from "vitest";
import { fromLocalInput, minutes, plural, relativeDay, toLocalInput, trend } from "./format";

describe("format", () => {
  const now = new Date(2026, 10, 22, 12, 0);

  it("days read as people say them", () => {
    expect(relativeDay(new Date(2026, 10, 22, 8).toISOString(), now)).toBe("today");
    expect(relativeDay(new Date(2026, 10, 21, 23).toISOString(), now)).toBe("yesterday");
    expect(relativeDay(new Date(2026, 10, 24).toISOString(), now)).toBe("in 2 days");
    expect(relativeDay(new Date(2026, 10, 12).toISOString(), now)).toBe("10 days ago");
    expect(relativeDay(new Date(2026, 8, 1).toISOString(), now)).toBe("3 months ago");
  });

  it("counts agree with their noun", () => {
    expect(plural(1, "complaint")).toBe("1 complaint");
    expect(plural(14, "customer")).toBe("14 customers");
  });

  it("a trend needs a real change to be called one", () => {
    expect(trend(10, 10)).toBe("flat");
    expect(trend(21, 20)).toBe("flat");
    expect(trend(30, 20)).toBe("up");
    expect(trend(5, 20)).toBe("down");
    expect(trend(3, 0)).toBe("up");
  });

  it("agenda length reads in hours and minutes", () => {
    expect(minutes(45)).toBe("45 min");
    expect(minutes(60)).toBe("1 h");
    expect(minutes(80)).toBe("1 h 20 min");
  });

  it("a local date-time field round-trips through UTC", () => {
    const iso = new Date(2026, 10, 24, 10, 30).toISOString();
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("not a date")).toBeNull();
  });
});
