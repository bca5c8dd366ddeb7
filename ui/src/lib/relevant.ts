// Helpers for the relevant-complaints list.
import type { RelevantComplaint } from "./ipc";

/** "14 customers said this" for a complaint standing for 13 near-duplicates. */
export function voices(r: RelevantComplaint): string | null {
  return r.duplicates > 0 ? `${r.duplicates + 1} customers said this` : null;
}

/** The list after a complaint is pinned: it moves to the end of the pins. */
export function afterPin(list: RelevantComplaint[], id: string): RelevantComplaint[] {
  const item = list.find((r) => r.complaint.id === id);
  if (!item) return list;
  const pinned = list.filter((r) => r.mark === "pinned" && r.complaint.id !== id);
  const rest = list.filter((r) => r.mark !== "pinned" && r.complaint.id !== id);
  return [...pinned, { ...item, mark: "pinned" }, ...rest];
}

/** The list after a complaint is dismissed (hidden unless dismissed ones are shown). */
export function afterDismiss(list: RelevantComplaint[], id: string, showDismissed: boolean): RelevantComplaint[] {
  return showDismissed
    ? list.map((r) => (r.complaint.id === id ? { ...r, mark: "dismissed" as const } : r))
    : list.filter((r) => r.complaint.id !== id);
}
