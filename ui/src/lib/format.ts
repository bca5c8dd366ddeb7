// Formatting for dates, counts and lists as people read them.

const DAY = 24 * 60 * 60 * 1000;

/** "3 days ago", "today", "in 2 days". */
export function relativeDay(iso: string, now: Date = new Date()): string {
  const then = new Date(iso);
  const days = Math.round((startOfDay(then) - startOfDay(now)) / DAY);
  if (days === 0) return "today";
  if (days === -1) return "yesterday";
  if (days === 1) return "tomorrow";
  if (days < 0) {
    const ago = -days;
    if (ago < 14) return `${ago} days ago`;
    if (ago < 60) return `${Math.round(ago / 7)} weeks ago`;
    return `${Math.round(ago / 30)} months ago`;
  }
  if (days < 14) return `in ${days} days`;
  return `in ${Math.round(days / 7)} weeks`;
}

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** "Tue 24 Nov, 10:00". */
export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** "24 Nov 2026". */
export function date(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

/** "1 complaint", "3 complaints". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** How the last 30 days compare with the 30 before: "up", "down" or "flat" (within 10 %). */
export function trend(recent: number, previous: number): "up" | "down" | "flat" {
  if (recent === previous) return "flat";
  const base = Math.max(previous, 1);
  const change = (recent - previous) / base;
  if (Math.abs(change) < 0.1) return "flat";
  return change > 0 ? "up" : "down";
}

/** Total minutes of an agenda as "1 h 20 min". */
export function minutes(total: number): string {
  if (total < 60) return `${total} min`;
  const h = Math.floor(total / 60);
  const m = total % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** `YYYY-MM-DDTHH:MM` in local time, for `<input type="datetime-local">`. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The ISO UTC time of a `datetime-local` value, or null when empty or unreadable. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
