import { describe, expect, it } from "vitest";
import { accountedFor, blankImport, columnOf, fileName, mappedColumns, outcome, percent, toOptions } from "./importFlow";
import type { ImportSummary, Preview } from "./ipc";

const preview: Preview = {
  file: "/data/cfpb.csv",
  format: "csv",
  source: "cfpb",
  columns: ["Complaint ID", "Consumer complaint narrative", "Issue"],
  mapping: [
    { field: "body", column: "Consumer complaint narrative" },
    { field: "title", column: "Issue" },
    { field: "received_at", column: null },
  ],
  rows: [["1", "text", "Fees"]],
  undated: true,
  total_bytes: 1000,
};

describe("import flow", () => {
  it("the form becomes backend options, explicit choices included", () => {
    const f = blankImport("/x.csv");
    f.mapping.body = "notes";
    f.mapping.title = null;
    f.format = "csv";
    f.source = "  zendesk ";
    expect(toOptions(f)).toEqual({
      format: "csv",
      mapping: [
        { field: "body", column: "notes" },
        { field: "title", column: null },
      ],
      redact: true,
      source: "zendesk",
    });
    expect(toOptions(blankImport()).format).toBeNull();
  });

  it("the preview says which column each field uses", () => {
    expect(columnOf(preview, "body")).toBe("Consumer complaint narrative");
    expect(columnOf(preview, "received_at")).toBeNull();
    expect([...mappedColumns(preview)]).toEqual(["Consumer complaint narrative", "Issue"]);
  });

  it("progress is a bounded percentage", () => {
    expect(percent(null)).toBe(0);
    expect(percent({ bytes_read: 500, bytes_total: 1000, rows_read: 1, imported: 1, duplicates: 0, rejected: 0 })).toBe(50);
    expect(percent({ bytes_read: 2000, bytes_total: 1000, rows_read: 1, imported: 1, duplicates: 0, rejected: 0 })).toBe(100);
  });

  it("the outcome accounts for every row", () => {
    const s = {
      import_id: "i", file: "f", format: "csv", source: "cfpb", rows_read: 6623, imported: 1532, duplicates: 0,
      rejected: 5091, rejections: [], stopped: null, cancelled: false, undated: false, redacted: true, seconds: 1,
    } satisfies ImportSummary;
    expect(accountedFor(s)).toBe(true);
    expect(outcome(s)).toBe("6,623 rows read: 1,532 imported, 5,091 rejected.");
  });

  it("file names come from either kind of path", () => {
    expect(fileName("/home/ann/exports/cfpb.csv")).toBe("cfpb.csv");
    expect(fileName("C:\\exports\\mail.mbox")).toBe("mail.mbox");
  });
});
