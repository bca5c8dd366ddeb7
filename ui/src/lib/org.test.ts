import { describe, expect, it } from "vitest";
import { blankOrgFilter, closesLabel, isOrgFiltered, lastPushSentence, orgQuery, pendingSentence, statusSentence } from "./org";
import type { OrgDecision, OrgSettings } from "./ipc";

const settings = (over: Partial<OrgSettings> = {}): OrgSettings => ({
  enrolled: true,
  server: "postgres://chair:***@db/org",
  device: "Ana's laptop",
  team: "Payments",
  device_id: "0190a0a0-0000-7000-8000-000000000001",
  last_push: null,
  pending: 0,
  pushing: false,
  problem: null,
  ...over,
});

const decision = (over: Partial<OrgDecision> = {}): OrgDecision => ({
  team: "Payments",
  device: "Ana's laptop",
  device_id: "0190a0a0-0000-7000-8000-000000000001",
  seq: 4,
  entry_id: "0190a0a0-0000-7000-8000-000000000044",
  kind: "decision",
  recorded_at: "2026-12-01T10:00:00.000Z",
  decided_by: "Ana",
  meeting_title: "Weekly",
  item_title: "Refunds",
  statement: "Refund within a day",
  direction: "helps",
  size: "medium",
  impact: "Fewer waits",
  stance: "agrees",
  advocate_note: "",
  no_evidence: false,
  evidence_count: 2,
  evidence: [],
  personas: [],
  follow_ups: [],
  reason: "",
  closes: null,
  closed_by: [],
  status: "current",
  hash: "ab",
  ...over,
});

describe("organisation filter", () => {
  it("a blank filter is not filtered; a team or a laptop is", () => {
    expect(isOrgFiltered(blankOrgFilter())).toBe(false);
    expect(isOrgFiltered({ ...blankOrgFilter(), sort: "oldest" })).toBe(false);
    expect(isOrgFiltered({ ...blankOrgFilter(), team: "Payments" })).toBe(true);
    expect(isOrgFiltered({ ...blankOrgFilter(), status: "contested" })).toBe(true);
  });

  it("a date cleared from the keyboard means any date", () => {
    const q = orgQuery({ ...blankOrgFilter(), from: "" as unknown as null, to: "2026-12-01" });
    expect(q.from).toBeNull();
    expect(q.to).toBe("2026-12-01");
  });
});

describe("organisation settings in words", () => {
  it("says when nothing was pushed, and what the last push did", () => {
    expect(lastPushSentence(settings())).toBe("Nothing pushed yet.");
    const s = lastPushSentence(settings({ last_push: { at: "2026-12-01T10:00:00.000Z", pushed: 3, head: 12 } }));
    expect(s).toContain("3 entries sent");
    expect(s).toContain("12 entries of this laptop");
    expect(lastPushSentence(settings({ last_push: { at: "2026-12-01T10:00:00.000Z", pushed: 0, head: 1 } }))).toContain("nothing new");
  });

  it("counts what waits for the next push", () => {
    expect(pendingSentence(settings())).toMatch(/^Nothing waiting/);
    expect(pendingSentence(settings({ pending: 1 }))).toMatch(/^1 entry waiting; it goes/);
    expect(pendingSentence(settings({ pending: 5 }))).toMatch(/^5 entries waiting; they go/);
  });
});

describe("what became of a decision", () => {
  const place = (device: string, seq: number) => ({ device_id: "x", device, seq, kind: "supersede" as const });

  it("names the entries that closed it, and a contest", () => {
    expect(statusSentence(decision())).toBe("Stands.");
    expect(statusSentence(decision({ status: "superseded", closed_by: [place("Bo's laptop", 9)] }))).toBe("Superseded by entry 9 of Bo's laptop.");
    const contested = statusSentence(decision({ status: "contested", closed_by: [place("Bo's laptop", 9), place("Ana's laptop", 5)] }));
    expect(contested).toContain("entry 9 of Bo's laptop and entry 5 of Ana's laptop");
    expect(contested).toMatch(/^Contested/);
  });

  it("says which entry a correction closes", () => {
    expect(closesLabel(decision())).toBe("");
    expect(closesLabel(decision({ kind: "supersede", closes: place("Bo's laptop", 2) }))).toBe("Supersedes entry 2 of Bo's laptop");
    expect(closesLabel(decision({ kind: "revoke", closes: place("Bo's laptop", 2) }))).toBe("Revokes entry 2 of Bo's laptop");
  });
});
