// The organisation log as the settings screen and the organisation audit put it into words.
import { DEFAULT_ORG_FILTER, type OrgDecision, type OrgFilter, type OrgSettings, type OrgStatus } from "./ipc";
import { dateTime, plural } from "./format";

/** The filter with nothing selected: every entry of every readable team, newest first. */
export function blankOrgFilter(): OrgFilter {
  return { ...DEFAULT_ORG_FILTER };
}

/** The filter as the backend reads it: a date field cleared from the keyboard holds "", which means any date. */
export function orgQuery(f: OrgFilter): OrgFilter {
  return { ...f, from: f.from || null, to: f.to || null, team: f.team || null, device: f.device || null };
}

/** True when a filter narrows the list (its order does not count). */
export function isOrgFiltered(f: OrgFilter): boolean {
  const b = blankOrgFilter();
  const q = orgQuery(f);
  return (Object.keys(b) as (keyof OrgFilter)[]).some((k) => k !== "sort" && q[k] !== b[k]);
}

export const ORG_STATUS_LABEL: Record<OrgStatus, string> = {
  current: "current",
  superseded: "superseded",
  revoked: "revoked",
  contested: "contested",
};

/** "Pushed 3 entries Tue 1 Dec, 10:00", or that nothing has been pushed yet. */
export function lastPushSentence(s: OrgSettings): string {
  if (!s.last_push) return "Nothing pushed yet.";
  const n = Number(s.last_push.pushed);
  return `${dateTime(s.last_push.at)}: ${n === 0 ? "nothing new" : `${plural(n, "entry", "entries")} sent`}; the organisation log holds ${plural(Number(s.last_push.head), "entry", "entries")} of this laptop.`;
}

/** What is waiting to be pushed, in words. */
export function pendingSentence(s: OrgSettings): string {
  const n = Number(s.pending);
  if (n === 0) return "Nothing waiting: the organisation log has every entry of this laptop.";
  return `${plural(n, "entry", "entries")} waiting; ${n === 1 ? "it goes" : "they go"} with the next push (after a meeting closes, or Push now).`;
}

/** The decision this entry supersedes or revokes, named for a reader. */
export function closesLabel(d: OrgDecision): string {
  if (!d.closes) return "";
  const verb = d.kind === "revoke" ? "Revokes" : "Supersedes";
  return `${verb} entry ${d.closes.seq} of ${d.closes.device}`;
}

/** What became of a decision, with the entries that did it. */
export function statusSentence(d: OrgDecision): string {
  if (d.status === "current") return "Stands.";
  const by = d.closed_by.map((p) => `entry ${p.seq} of ${p.device}`).join(" and ");
  if (d.status === "contested") return `Contested: ${by} each supersede it, and more than one of them stands. A later entry settles it.`;
  return `${d.status === "revoked" ? "Revoked" : "Superseded"} by ${by}.`;
}
