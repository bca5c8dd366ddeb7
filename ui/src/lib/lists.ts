// Editing lists in plain text fields: one entry per line, or comma-separated.

/** Lines of a textarea as a list, blank lines dropped. */
export function linesToList(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** A list shown one entry per line. */
export function listToLines(list: readonly string[]): string {
  return list.join("\n");
}

/** "fees, late salary" as ["fees", "late salary"]. */
export function commaToList(text: string): string[] {
  return text
    .split(",")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** ["fees", "late salary"] as "fees, late salary". */
export function listToComma(list: readonly string[]): string {
  return list.join(", ");
}

/** Moves the entry at `from` to `to` and returns a new array; out-of-range moves change nothing. */
export function move<T>(list: readonly T[], from: number, to: number): T[] {
  if (from < 0 || from >= list.length || to < 0 || to >= list.length || from === to) return [...list];
  const out = [...list];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item as T);
  return out;
}
