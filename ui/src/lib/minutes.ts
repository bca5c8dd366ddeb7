// Minutes are Markdown (so they paste anywhere); on screen they are shown as blocks of plain
// text with headings, lists and emphasis, never as HTML built from the text.

export type Span = { text: string; strong?: boolean; em?: boolean };
export type Block = { kind: "h1" | "h2" | "li" | "p"; spans: Span[] };

/** Splits `**strong**` and `_emphasis_` out of a line. */
export function spans(line: string): Span[] {
  const out: Span[] = [];
  const re = /\*\*(.+?)\*\*|(?<![\p{L}\p{N}])_(.+?)_(?![\p{L}\p{N}])/gu;
  let last = 0;
  for (const m of line.matchAll(re)) {
    if (m.index > last) out.push({ text: line.slice(last, m.index) });
    if (m[1] !== undefined) out.push({ text: m[1], strong: true });
    else out.push({ text: m[2] ?? "", em: true });
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push({ text: line.slice(last) });
  return out;
}

/** The blocks of a Markdown text as the minutes use it. */
export function minutesBlocks(md: string): Block[] {
  const blocks: Block[] = [];
  for (const raw of md.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line.trim() === "") continue;
    if (line.startsWith("# ")) blocks.push({ kind: "h1", spans: spans(line.slice(2)) });
    else if (line.startsWith("## ")) blocks.push({ kind: "h2", spans: spans(line.slice(3)) });
    else if (line.startsWith("- ")) blocks.push({ kind: "li", spans: spans(line.slice(2)) });
    else blocks.push({ kind: "p", spans: spans(line) });
  }
  return blocks;
}
