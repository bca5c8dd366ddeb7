import { describe, expect, it } from "vitest";
import { areaOf, href, isFullWindow, parseRoute, type Route } from "./routes";

const id = "0194a3b2-7c1d-7e2f-8a3b-4c5d6e7f8091";
const item = "0194a3b2-7c1d-7e2f-8a3b-4c5d6e7f8092";

describe("routes", () => {
  it("every route survives a round trip through its address", () => {
    const routes: Route[] = [
      { name: "meetings" },
      { name: "meeting", id },
      { name: "meeting", id, item },
      { name: "meeting-new" },
      { name: "meeting-edit", id },
      { name: "personas" },
      { name: "persona-new" },
      { name: "persona-edit", id },
      { name: "complaints" },
      { name: "import" },
      { name: "decide", id, item },
      { name: "supersede", seq: 12 },
      { name: "audit", seq: 7 },
      { name: "audit" },
      { name: "live", id },
      { name: "minutes", id },
      { name: "seat", id },
      { name: "seat" },
      { name: "escalations" },
      { name: "escalations", filter: "overdue" },
      { name: "escalations", filter: "answered" },
      { name: "themes" },
      { name: "themes", unheard: true },
      { name: "org-audit" },
      { name: "settings" },
    ];
    for (const r of routes) expect(parseRoute(href(r))).toEqual(r);
  });

  it("an unknown or empty address opens the meetings list", () => {
    expect(parseRoute("")).toEqual({ name: "meetings" });
    expect(parseRoute("#/nowhere/at/all")).toEqual({ name: "meetings" });
    expect(parseRoute("#/meetings/not-an-id")).toEqual({ name: "meetings" });
  });

  it("each screen lights up its sidebar area", () => {
    expect(areaOf({ name: "persona-edit", id })).toBe("personas");
    expect(areaOf({ name: "meeting-edit", id })).toBe("meetings");
    expect(areaOf({ name: "audit" })).toBe("audit");
    expect(areaOf({ name: "escalations", filter: "all" })).toBe("escalations");
    expect(areaOf({ name: "themes", unheard: true })).toBe("themes");
    expect(areaOf({ name: "live", id })).toBe("meetings");
    expect(areaOf({ name: "org-audit" })).toBe("audit");
    expect(areaOf({ name: "settings" })).toBe("settings");
  });

  it("the live meeting and the seat fill the window", () => {
    expect(isFullWindow({ name: "live", id })).toBe(true);
    expect(isFullWindow({ name: "seat" })).toBe(true);
    expect(isFullWindow({ name: "meeting", id })).toBe(false);
  });

  it("an unknown escalation view is the open list", () => {
    expect(parseRoute("#/escalations/whatever")).toEqual({ name: "escalations" });
    expect(parseRoute("#/escalations/open")).toEqual({ name: "escalations" });
  });
});
