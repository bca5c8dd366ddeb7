// The decision form's state and its conversion to the draft the backend validates.
import type { DecisionDraft, Direction, FollowUp, OnScreen, Size, Stance } from "./ipc";

/** The options of the form's choices, in the backend's order and words. */
export { DIRECTIONS, SIZES, STANCES } from "./ipc";

export type FollowUpForm = { key: number; what: string; owner: string; due: string };

export type DecisionForm = {
  statement: string;
  decided_by: string;
  direction: Direction | null;
  size: Size | null;
  impact: string;
  personas: string[];
  evidence: string[];
  no_evidence: boolean;
  stance: Stance | null;
  advocate_note: string;
  follow_ups: FollowUpForm[];
};

let nextKey = 1;

export function blankFollowUp(): FollowUpForm {
  return { key: nextKey++, what: "", owner: "", due: "" };
}

export function blankDecision(decidedBy = "", personas: string[] = [], evidence: string[] = []): DecisionForm {
  return {
    statement: "",
    decided_by: decidedBy,
    direction: null,
    size: null,
    impact: "",
    personas,
    evidence,
    no_evidence: false,
    stance: null,
    advocate_note: "",
    follow_ups: [],
  };
}

/** The form of an existing decision, to correct it. */
export function fromDraft(d: DecisionDraft): DecisionForm {
  return {
    statement: d.statement,
    decided_by: d.decided_by,
    direction: d.direction,
    size: d.size,
    impact: d.impact,
    personas: [...d.personas],
    evidence: [...d.evidence],
    no_evidence: d.no_evidence,
    stance: d.stance,
    advocate_note: d.advocate_note,
    follow_ups: d.follow_ups.map((f) => ({ key: nextKey++, what: f.what, owner: f.owner, due: f.due })),
  };
}

/**
 * What is still missing, said the way the form asks for it; empty when it can be sent.
 * `reason` is the "why it is corrected" of a supersede, `null` when recording a new decision.
 */
export function missing(f: DecisionForm, reason: string | null = null): string[] {
  const out: string[] = [];
  if (reason !== null && reason.trim() === "") out.push("why it is corrected");
  if (f.statement.trim() === "") out.push("what was decided");
  if (!f.direction) out.push("which way customers are affected");
  if (!f.size) out.push("how much");
  if (f.impact.trim() === "") out.push("the impact in a sentence");
  if (f.evidence.length === 0 && !f.no_evidence) out.push("evidence, or “no customer evidence”");
  if (!f.stance) out.push("the advocate's stance");
  if (f.direction === "unknown" && !f.follow_ups.some((x) => x.what.trim() && x.owner.trim() && x.due)) {
    out.push("a follow-up: who finds out the impact, by when");
  }
  return out;
}

function isBlank(x: { what: string; owner: string; due: string }): boolean {
  return !(x.what.trim() || x.owner.trim() || x.due);
}

/**
 * How the backend names a field of the form's `index`th follow-up ("follow-up 2 owner"): blank
 * rows are not sent, so the number counts only the others.
 */
export function followUpField(f: DecisionForm, index: number, field: "what" | "owner" | "due"): string {
  return `follow-up ${f.follow_ups.slice(0, index + 1).filter((x) => !isBlank(x)).length} ${field}`;
}

/** The draft sent to the backend (which checks every rule again). */
export function toDraft(f: DecisionForm, meeting: string, item: string | null, onScreen: OnScreen[]): DecisionDraft {
  const follow_ups: FollowUp[] = f.follow_ups
    .filter((x) => !isBlank(x))
    .map((x) => ({ what: x.what, owner: x.owner, due: x.due }));
  return {
    meeting_id: meeting,
    agenda_item_id: item,
    statement: f.statement,
    decided_by: f.decided_by,
    direction: f.direction ?? "unknown",
    size: f.size ?? "small",
    impact: f.impact,
    personas: f.personas,
    evidence: f.no_evidence ? [] : f.evidence,
    no_evidence: f.no_evidence,
    stance: f.stance ?? "absent",
    advocate_note: f.advocate_note,
    follow_ups,
    on_screen: onScreen,
  };
}

/** Toggles `id` in a list. */
export function toggle(list: string[], id: string): string[] {
  return list.includes(id) ? list.filter((x) => x !== id) : [...list, id];
}
