// The "?" dialog's fields: what a fresh dialog holds, and whether closing it would lose typing.
import { dueIn } from "./live";

export type RaiseForm = { chosen: string; question: string; owner: string; due: string };

/** The fields of a dialog opened afresh: nothing left over from the last time it was open. */
export function blankRaise(complaintId: string | null, complaints: { id: string }[], today: Date = new Date()): RaiseForm {
  return { chosen: complaintId ?? complaints[0]?.id ?? "", question: "", owner: "", due: dueIn(7, today) };
}

/** Whether the person has typed something that closing the dialog would throw away. */
export function raiseHasTyping(f: RaiseForm): boolean {
  return f.question.trim() !== "" || f.owner.trim() !== "";
}
