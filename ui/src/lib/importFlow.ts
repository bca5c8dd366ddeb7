// The import screen's logic: options from the form, mapping edits, progress and summaries.
import { IMPORT_FIELDS, type Field, type FieldColumn, type Format, type ImportOptions, type ImportProgress, type ImportSummary, type Preview } from "./ipc";

/** Fields in the order the mapping form lists them, with what people call them (from the backend). */
export const FIELD_LABELS: readonly (readonly [Field, string])[] = IMPORT_FIELDS;

export type ImportForm = {
  path: string;
  format: Format | "auto";
  redact: boolean;
  source: string;
  /** Field → column chosen by the user; absent fields keep the automatic choice. */
  mapping: Partial<Record<Field, string | null>>;
};

export function blankImport(path = ""): ImportForm {
  return { path, format: "auto", redact: true, source: "", mapping: {} };
}

/** The options the backend takes. */
export function toOptions(f: ImportForm): ImportOptions {
  const mapping: FieldColumn[] = Object.entries(f.mapping).map(([field, column]) => ({
    field: field as Field,
    column: column ?? null,
  }));
  return {
    format: f.format === "auto" ? null : f.format,
    mapping,
    redact: f.redact,
    source: f.source.trim() === "" ? null : f.source.trim(),
  };
}

/** The column a field uses in a preview. */
export function columnOf(preview: Preview, field: Field): string | null {
  return preview.mapping.find((m) => m.field === field)?.column ?? null;
}

/** Which columns some field uses, to mark them in the preview table. */
export function mappedColumns(preview: Preview): Set<string> {
  return new Set(preview.mapping.map((m) => m.column).filter((c): c is string => c !== null));
}

/** 0–100, from bytes read. */
export function percent(p: ImportProgress | null): number {
  if (!p || !p.bytes_total) return 0;
  return Math.max(0, Math.min(100, Math.round(((p.bytes_read ?? 0) / p.bytes_total) * 100)));
}

/** The one-line outcome of an import. */
export function outcome(s: ImportSummary): string {
  const parts = [`${s.imported.toLocaleString()} imported`];
  if (s.duplicates) parts.push(`${s.duplicates.toLocaleString()} already there`);
  if (s.rejected) parts.push(`${s.rejected.toLocaleString()} rejected`);
  return `${s.rows_read.toLocaleString()} rows read: ${parts.join(", ")}.`;
}

/** True when every row is accounted for, as the backend promises. */
export function accountedFor(s: ImportSummary): boolean {
  return s.rows_read === s.imported + s.duplicates + s.rejected;
}

/** The file name of a path, for headings. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}
