// What the themes screen and the audit dashboard say about customer themes, as plain
// functions so they can be tested without a window.

import type { FollowThrough, ThemeView } from "./ipc";
import { plural, relativeDay } from "./format";

/** How the themes screen orders its list. */
export type ThemeOrder = "attention" | "biggest" | "rising";

/** Complaints gained in the last 30 days over the 30 before. */
function rise(t: ThemeView): number {
  return Number(t.recent) - Number(t.previous);
}

/**
 * Themes in `order`. "attention" puts the biggest and fastest rising first together: each
 * theme's place by size and its place by rise are added, the smallest sum first (ties: the
 * bigger first), so a theme high on both leads one high on only one.
 */
export function ordered(themes: ThemeView[], order: ThemeOrder): ThemeView[] {
  const bySize = (a: ThemeView, b: ThemeView) => Number(b.size) - Number(a.size);
  const byRise = (a: ThemeView, b: ThemeView) => rise(b) - rise(a) || bySize(a, b);
  if (order === "biggest") return [...themes].sort(bySize);
  if (order === "rising") return [...themes].sort(byRise);
  const placeBySize = new Map([...themes].sort(bySize).map((t, i) => [t.id, i]));
  const placeByRise = new Map([...themes].sort(byRise).map((t, i) => [t.id, i]));
  const place = (t: ThemeView) => (placeBySize.get(t.id) ?? 0) + (placeByRise.get(t.id) ?? 0);
  return [...themes].sort((a, b) => place(a) - place(b) || bySize(a, b));
}

/** The themes no meeting has heard, biggest and fastest rising first. */
export function unheard(themes: ThemeView[]): ThemeView[] {
  return ordered(
    themes.filter((t) => !t.heard),
    "attention",
  );
}

/** Whole days from `from` to `now`. */
function daysSince(from: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - new Date(from).getTime()) / 86_400_000));
}

/** Whether and when a meeting dealt with the theme, or how long it has gone unheard. */
export function heardLabel(t: ThemeView, now: Date = new Date()): string {
  if (t.last_heard) return `heard ${relativeDay(t.last_heard, now)}`;
  const d = daysSince(t.first_complaint, now);
  if (d === 0) return "never heard";
  if (d < 60) return `unheard for ${plural(d, "day")}`;
  if (d < 730) return `unheard for ${Math.round(d / 30.44)} months`;
  return `unheard for ${Math.floor(d / 365.25)} years`;
}

/** The trend in words with the counts behind it. */
export function trendLabel(t: ThemeView): string {
  const counts = `${t.recent} in the last 30 days, ${t.previous} in the 30 before`;
  if (t.trend === "too few to tell") return `${counts}: too few to tell a trend`;
  if (t.trend === "too new to tell") return `${t.recent} in the last 30 days: the complaints do not go back far enough to tell a trend`;
  return `${t.trend}: ${counts}`;
}

const ratio = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2));

/** A decision's follow-through in a sentence: the counts, the rate ratio and the verdict. */
export function followThroughSentence(f: FollowThrough, impact: string): string {
  const { rate } = f;
  const counts = `${plural(Number(rate.before), "complaint")} in the ${f.weeks_before} weeks before, ${Number(rate.after)} in the weeks after`;
  const interval =
    rate.ratio !== null && rate.low !== null && rate.high !== null
      ? ` (rate ${ratio(rate.ratio)}×, 95% interval ${ratio(rate.low)}–${ratio(rate.high)})`
      : "";
  const expected = impact === "helps" ? "fall" : impact === "hurts" ? "rise" : null;
  switch (f.verdict) {
    case "too_early":
      return `Too early to tell: ${f.weeks_after} weeks have not passed yet. So far ${counts}.`;
    case "too_few":
      return `Too few complaints to tell: ${counts}${interval}.`;
    case "as_expected":
      return `As expected: complaints were expected to ${expected} and did. ${cap(counts)}${interval}.`;
    case "against":
      return `Against the stated impact: complaints were expected to ${expected} but went the other way. ${cap(counts)}${interval}.`;
    case "changed":
      return `Complaints changed clearly although no direction was stated. ${cap(counts)}${interval}.`;
    case "no_clear_change":
      return `No clear change: ${counts}${interval}.`;
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
