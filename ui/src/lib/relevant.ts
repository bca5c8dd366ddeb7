// Helpers for the relevant-complaints list.
import type { EmbeddingProgress, RelevantComplaint } from "./ipc";

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

/** What the meaning status line says: how far embedding has come, or why there is none. */
export function meaningStatus(p: EmbeddingProgress): { tone: "warn" | "busy" | "done" | "none"; text: string; percent: number } {
  const percent = p.total > 0 ? Math.min(100, Math.round((p.embedded / p.total) * 100)) : 0;
  if (p.problem) {
    return { tone: "warn", text: `Complaints are found by their words alone: ${p.problem}`, percent: 0 };
  }
  if (p.total === 0) return { tone: "none", text: "", percent: 0 };
  if (p.embedded >= p.total) {
    return { tone: "done", text: `All ${p.total.toLocaleString()} complaints can be found by meaning too.`, percent: 100 };
  }
  const text = `Reading what complaints mean: ${p.embedded.toLocaleString()} of ${p.total.toLocaleString()} done. Until then, the rest are found by their words.`;
  return { tone: p.running ? "busy" : "warn", text, percent };
}
