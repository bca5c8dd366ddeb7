// The meeting form's state and its conversion to the draft the backend validates.
import type { AgendaItemDraft, Meeting, MeetingDraft } from "./ipc";
import { commaToList, listToComma } from "./lists";
import { fromLocalInput, toLocalInput } from "./format";

export type ItemForm = {
  key: number;
  id: string | null;
  title: string;
  customer_problem: string;
  description: string;
  owner: string;
  timebox_minutes: number;
  keywords: string;
};

export type MeetingForm = {
  title: string;
  scheduled_at: string;
  facilitator: string;
  advocate: string;
  description: string;
  persona_ids: string[];
  items: ItemForm[];
};

let nextKey = 1;

/** A blank agenda item with a sensible timebox. */
export function blankItem(): ItemForm {
  return { key: nextKey++, id: null, title: "", customer_problem: "", description: "", owner: "", timebox_minutes: 15, keywords: "" };
}

/** A blank meeting with one agenda item to start from. */
export function blankMeeting(): MeetingForm {
  return { title: "", scheduled_at: "", facilitator: "", advocate: "", description: "", persona_ids: [], items: [blankItem()] };
}

/** The form for editing a stored meeting. */
export function fromMeeting(m: Meeting): MeetingForm {
  return {
    title: m.title,
    scheduled_at: toLocalInput(m.scheduled_at),
    facilitator: m.facilitator,
    advocate: m.advocate,
    description: m.description,
    persona_ids: [...m.persona_ids],
    items: m.items.map((i) => ({
      key: nextKey++,
      id: i.id,
      title: i.title,
      customer_problem: i.customer_problem,
      description: i.description,
      owner: i.owner,
      timebox_minutes: i.timebox_minutes,
      keywords: listToComma(i.keywords),
    })),
  };
}

/** The draft sent to the backend. Items left entirely blank are dropped rather than refused. */
export function toDraft(f: MeetingForm): MeetingDraft {
  const items: AgendaItemDraft[] = f.items
    .filter((i) => i.id !== null || [i.title, i.customer_problem, i.description, i.owner, i.keywords].some((v) => v.trim() !== ""))
    .map((i) => ({
      id: i.id,
      title: i.title,
      customer_problem: i.customer_problem,
      description: i.description,
      owner: i.owner,
      timebox_minutes: Math.round(Number(i.timebox_minutes) || 0),
      keywords: commaToList(i.keywords),
    }));
  return {
    title: f.title,
    scheduled_at: fromLocalInput(f.scheduled_at),
    facilitator: f.facilitator,
    advocate: f.advocate,
    description: f.description,
    persona_ids: f.persona_ids,
    items,
  };
}

/** A fingerprint of what the user can change, to tell whether there is anything to lose. */
export function snapshot(f: MeetingForm): string {
  return JSON.stringify(toDraft(f));
}
