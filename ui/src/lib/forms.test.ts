import { describe, expect, it } from "vitest";
import { blankItem, blankMeeting, carryIn, copyOf, fromMeeting, itemField, snapshot, toDraft } from "./meetingForm";
import { blankPersona, fromPersona, toPersonaDraft } from "./personaForm";
import type { Meeting, Persona } from "./ipc";

describe("meeting form", () => {
  it("names an item's fields as the backend does, skipping blank items it is not sent", () => {
    const f = blankMeeting();
    f.items = [{ ...blankItem(), title: "Fees" }, blankItem(), { ...blankItem(), title: "" , owner: "Ann" }];
    expect(itemField(f, 0, "title")).toBe("agenda item 1 title");
    expect(itemField(f, 2, "title")).toBe("agenda item 2 title");
  });

  it("blank trailing items are dropped, filled ones kept in order", () => {
    const f = blankMeeting();
    f.title = "Council";
    f.items[0]!.title = "Overdraft fees";
    f.items[0]!.keywords = "fees, overdraft";
    f.items.push(blankItem());
    const d = toDraft(f);
    expect(d.items).toHaveLength(1);
    expect(d.items[0]).toMatchObject({ title: "Overdraft fees", keywords: ["fees", "overdraft"], id: null });
  });

  it("an item with only a customer problem is sent so the backend can ask for its title", () => {
    const f = blankMeeting();
    f.items[0]!.customer_problem = "Fees when salary is late";
    expect(toDraft(f).items).toHaveLength(1);
  });

  const stored = (): Meeting => ({
      id: "m1",
      title: "Council",
      scheduled_at: null,
      facilitator: "Hannah K.",
      advocate: "Leo F.",
      description: "",
      status: "planned",
      persona_ids: ["p1"],
      items: [
        { id: "i1", meeting_id: "m1", position: 0, title: "A", description: "", customer_problem: "x", owner: "", timebox_minutes: 10, keywords: ["k"], carried_from: null },
      ],
      created_at: "",
      updated_at: "",
  });

  it("a stored meeting loads into the form and back unchanged", () => {
    const m = stored();
    const f = fromMeeting(m);
    const d = toDraft(f);
    expect(d.items[0]).toMatchObject({ id: "i1", title: "A", keywords: ["k"], timebox_minutes: 10 });
    expect(snapshot(fromMeeting(m))).toBe(snapshot(f));
  });

  it("a copy of an earlier meeting keeps its people and agenda but none of its ids or its date", () => {
    const m = { ...stored(), scheduled_at: "2026-11-20T10:00:00Z" };
    const d = toDraft(copyOf(m));
    expect(d).toMatchObject({ title: "Council", facilitator: "Hannah K.", persona_ids: ["p1"], scheduled_at: null });
    expect(d.items[0]).toMatchObject({ id: null, title: "A", carried_from: null, keywords: ["k"] });
  });

  it("unfinished items are carried in once, after the items already planned, replacing a blank start", () => {
    const earlier = stored().items;
    const f = carryIn(blankMeeting(), earlier);
    expect(f.items.map((i) => [i.title, i.carried_from])).toEqual([["A", "i1"]]);
    f.items.push({ ...blankItem(), title: "B" });
    const again = carryIn(f, earlier);
    expect(again.items.map((i) => i.title)).toEqual(["A", "B"]);
    expect(toDraft(again).items[0]?.carried_from).toBe("i1");
  });

  it("an unfinished item already copied onto the agenda is marked as carried, not repeated", () => {
    const m = stored();
    const f = carryIn(copyOf(m), m.items);
    expect(f.items.map((i) => [i.title, i.carried_from])).toEqual([["A", "i1"]]);
  });
});

describe("persona form", () => {
  it("goals are one per line and keywords comma-separated", () => {
    const f = blankPersona();
    f.name = "Tom";
    f.goals = "Paid on time\n\nNo surprise fees";
    f.keywords = "overdraft, salary";
    const d = toPersonaDraft(f);
    expect(d.goals).toEqual(["Paid on time", "No surprise fees"]);
    expect(d.keywords).toEqual(["overdraft", "salary"]);
  });

  it("the main segment is not repeated among the other segments", () => {
    const p = {
      id: "p", name: "Maya", segment: "small-business", segments: ["small-business", "freelancer"],
      role: "", bio: "", goals: [], frustrations: [], quote: "", color: "#2f7d6d", keywords: [],
      initials: "M", created_at: "", updated_at: "", complaint_count: 0, recent_count: 0, previous_count: 0,
    } satisfies Persona;
    expect(fromPersona(p).segments).toBe("freelancer");
  });
});
