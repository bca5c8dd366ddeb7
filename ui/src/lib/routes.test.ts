import { describe, expect, it } from "vitest";
import { areaOf, href, parseRoute, type Route } from "./routes";

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
  });
});
