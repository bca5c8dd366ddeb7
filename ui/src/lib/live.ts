// The live meeting's logic, kept apart from the screens so it can be tested: timers, moving
// between items, and what to carry forward.
import type { AgendaItem, EventKind, ItemClock, LiveState, Meeting, MeetingEvent } from "./ipc";

/** "4:05", "1:02:03": a clock reading of `seconds`. */
export function clockText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

export type TimerView = {
  /** Time spent, as a clock. */
  spent: string;
  /** Time left in the timebox, or how far over it, as a clock. */
  left: string;
  over: boolean;
  /** How much of the timebox is used, 0…1 (capped). */
  used: number;
  /** Less than a fifth of the timebox is left. */
  closing: boolean;
};

/** The timer of an item that has taken `spentSeconds` of its `timeboxMinutes`. */
export function timerView(spentSeconds: number, timeboxMinutes: number): TimerView {
  const box = Math.max(1, timeboxMinutes) * 60;
  const left = box - spentSeconds;
  return {
    spent: clockText(spentSeconds),
    left: left >= 0 ? clockText(left) : `+${clockText(-left)}`,
    over: left < 0,
    used: Math.min(1, Math.max(0, spentSeconds / box)),
    closing: left >= 0 && left < box / 5,
  };
}

/** Seconds spent on an item now, `sinceReadMs` after its clock was read. */
export function spentNow(clock: ItemClock | undefined, sinceReadMs: number): number {
  if (!clock) return 0;
  return clock.spent_seconds + (clock.running ? Math.max(0, Math.floor(sinceReadMs / 1000)) : 0);
}

/**
 * How long after `sinceReadMs` the running timers show their next second: they count whole
 * seconds from the moment their clocks were read, so ticking exactly then (and only then) keeps
 * them exact to the second while waking the window once a second.
 */
export function msToNextSecond(sinceReadMs: number): number {
  const into = ((Math.max(0, sinceReadMs) % 1000) + 1000) % 1000;
  return 1000 - into;
}

/** Where `currentId` sits in the agenda, with the items before and after it. */
export function neighbours(
  meeting: Meeting,
  currentId: string | null,
): { index: number; current: AgendaItem | null; prev: AgendaItem | null; next: AgendaItem | null } {
  const index = meeting.items.findIndex((i) => i.id === currentId);
  if (index < 0) return { index: -1, current: null, prev: null, next: meeting.items[0] ?? null };
  return {
    index,
    current: meeting.items[index] ?? null,
    prev: meeting.items[index - 1] ?? null,
    next: meeting.items[index + 1] ?? null,
  };
}

/** What the advocate said on one item, newest first: stances, remarks and questions. */
export function voiceOf(events: readonly MeetingEvent[], itemId: string | null): MeetingEvent[] {
  return events.filter((e) => e.agenda_item_id === itemId && SAID.includes(e.kind));
}

const SAID: readonly EventKind[] = ["agree", "object", "remark", "question"];

/** How a moment of the timeline reads. */
export function eventLabel(kind: EventKind): string {
  switch (kind) {
    case "agree":
      return "Agrees";
    case "object":
      return "Objects";
    case "remark":
      return "The customer would say";
    case "question":
      return "Raised ?";
    case "item":
      return "Moved to";
    case "started":
      return "Meeting started";
    case "closed":
      return "Meeting closed";
  }
}

export type Closing = { item: AgendaItem; discussed: boolean; carry: boolean };

/**
 * The items closing should ask about: every item without a decision. Those discussed without
 * a decision, and those never reached, are offered for carrying forward (ticked by default).
 */
export function closingChoices(state: LiveState): Closing[] {
  return state.meeting.items.flatMap((item) => {
    const clock = state.clocks.find((c) => c.agenda_item_id === item.id);
    if (clock && clock.decisions > 0) return [];
    return [{ item, discussed: clock?.discussed ?? false, carry: true }];
  });
}

/**
 * The question when closing `title` with items left: they go to the next meeting of the series
 * (the same title but for its number), so it names that meeting, "week 48" after "week 47".
 */
export function carryQuestion(title: string): string {
  const numbers = [...title.matchAll(/\d+/g)];
  const last = numbers[numbers.length - 1];
  if (!last || last.index === undefined) return `Carry them forward to the next “${title}” meeting?`;
  const next = title.slice(0, last.index) + String(Number(last[0]) + 1) + title.slice(last.index + last[0].length);
  return `Carry them forward to the next meeting, “${next}”?`;
}

/** `YYYY-MM-DD`, `days` after `from` in local time: the default due date of a "?". */
export function dueIn(days: number, from: Date = new Date()): string {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}
