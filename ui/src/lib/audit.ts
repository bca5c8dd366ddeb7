// The audit view's arithmetic: which rows a scrolled table shows, which pages to fetch, and
// the scale of the weekly chart.
import { DEFAULT_AUDIT_FILTER, type AuditFilter, type Direction, type Sort, type WeekCount } from "./ipc";

/** The filters the local and the organisation audit share. */
export type SharedFilter = {
  text: string;
  from: string | null;
  to: string | null;
  direction: Direction | null;
  status: string;
  objected: boolean;
  no_evidence: boolean;
  sort: Sort;
};

export const ROW_HEIGHT = 52;
export const PAGE = 100;

/** The rows to draw for a scroll position, with some rows to spare above and below. */
export function visibleRange(scrollTop: number, height: number, total: number, spare = 8): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - spare);
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW_HEIGHT) + spare);
  return [first, Math.max(first, last)];
}

/** The page numbers holding rows `from` to `to` (exclusive). */
export function pagesFor(from: number, to: number): number[] {
  if (to <= from) return [];
  const out: number[] = [];
  for (let p = Math.floor(from / PAGE); p <= Math.floor((to - 1) / PAGE); p++) out.push(p);
  return out;
}

/** The filter with nothing selected, as the backend defines it: every decision, newest first. */
export function blankFilter(): AuditFilter {
  return { ...DEFAULT_AUDIT_FILTER };
}

/** True when a filter narrows the list (its order does not count). */
export function isFiltered(f: AuditFilter): boolean {
  const b: AuditFilter = blankFilter();
  return (Object.keys(b) as (keyof AuditFilter)[]).some((k) => k !== "sort" && f[k] !== b[k]);
}

/** Decisions in a week, all directions. */
export function weekTotal(w: WeekCount): number {
  return w.helps + w.hurts + w.mixed + w.neutral + w.unknown;
}

/** A round top for the chart's scale, at least 1. */
export function chartMax(weeks: WeekCount[]): number {
  const max = Math.max(1, ...weeks.map(weekTotal));
  const step = max <= 5 ? 1 : max <= 20 ? 5 : max <= 100 ? 10 : 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / step) * step;
}

/** "42 %" */
export function pct(share: number | null): string {
  return `${Math.round((share ?? 0) * 100)} %`;
}

/**
 * Whether the selected entry is still among those a filter shows, as far as the first page
 * tells: `null` when it cannot tell (more entries match than one page holds).
 */
export function stillListed(seq: number | null, total: number, firstPage: readonly { seq: number | bigint }[]): boolean | null {
  if (seq === null) return true;
  if (firstPage.some((r) => Number(r.seq) === seq)) return true;
  return total <= firstPage.length ? false : null;
}
