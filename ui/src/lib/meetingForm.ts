// The meeting form's state and its conversion to the draft the backend validates.
import type { AgendaItem, AgendaItemDraft, Meeting, MeetingDraft } from "./ipc";
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
  /** The unfinished item of an earlier meeting this one continues. */
  carried_from: string | null;
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
  return { key: nextKey++, id: null, title: "", customer_problem: "", description: "", owner: "", timebox_minutes: 15, keywords: "", carried_from: null };
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
    items: m.items.map((i) => ({ ...itemForm(i), id: i.id, carried_from: i.carried_from })),
  };
}

function itemForm(i: AgendaItem): ItemForm {
  return {
    key: nextKey++,
    id: null,
    title: i.title,
    customer_problem: i.customer_problem,
    description: i.description,
    owner: i.owner,
    timebox_minutes: i.timebox_minutes,
    keywords: listToComma(i.keywords),
    carried_from: null,
  };
}

/** A new meeting planned from an earlier one: same people, personas and agenda, no date. */
export function copyOf(m: Meeting): MeetingForm {
  return { ...fromMeeting(m), scheduled_at: "", items: m.items.map(itemForm) };
}

/**
 * The form with an earlier meeting's unfinished items carried in, once each: an item already on
 * the agenda under the same title (copied from that meeting, say) is marked as carried rather
 * than repeated; the others are added at the end.
 */
export function carryIn(f: MeetingForm, items: readonly AgendaItem[]): MeetingForm {
  const key = (title: string) => title.trim().toLowerCase();
  const already = new Set(f.items.map((i) => i.carried_from).filter((c) => c !== null));
  const kept = f.items.filter((i) => !isBlank(i)).map((i) => ({ ...i }));
  const fresh: ItemForm[] = [];
  for (const item of items) {
    if (already.has(item.id)) continue;
    const same = kept.find((i) => i.id === null && i.carried_from === null && key(i.title) === key(item.title));
    if (same) same.carried_from = item.id;
    else fresh.push({ ...itemForm(item), carried_from: item.id });
  }
  return { ...f, items: [...kept, ...fresh] };
}

function isBlank(i: ItemForm): boolean {
  return i.id === null && [i.title, i.customer_problem, i.description, i.owner, i.keywords].every((v) => v.trim() === "");
}

/**
 * How the backend names a field of the form's `index`th item ("agenda item 2 title"): items left
 * blank are not sent, so the number counts only the others.
 */
export function itemField(f: MeetingForm, index: number, field: string): string {
  const number = f.items.slice(0, index + 1).filter((i) => !isBlank(i)).length;
  return `agenda item ${number} ${field}`;
}

/** The draft sent to the backend. Items left entirely blank are dropped rather than refused. */
export function toDraft(f: MeetingForm): MeetingDraft {
  const items: AgendaItemDraft[] = f.items
    .filter((i) => !isBlank(i))
    .map((i) => ({
      id: i.id,
      title: i.title,
      customer_problem: i.customer_problem,
      description: i.description,
      owner: i.owner,
      timebox_minutes: Math.round(Number(i.timebox_minutes) || 0),
      keywords: commaToList(i.keywords),
      carried_from: i.carried_from,
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
