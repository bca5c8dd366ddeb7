import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

import { byField, FormProblems, sentence, summary } from "./problems.svelte";

const draft = { kind: "persona", draft: { name: "" } } as never;

describe("form problems", () => {
  beforeEach(() => {
    invoke.mockReset();
    vi.useRealTimers();
  });

  it("a message reads as a sentence beside its field", () => {
    expect(sentence("required")).toBe("Required.");
    expect(sentence("4,001 characters is too long; at most 4,000 fit")).toBe("4,001 characters is too long; at most 4,000 fit.");
    expect(sentence("say why?")).toBe("Say why?");
  });

  it("each field shows its first problem", () => {
    expect(byField([
      { field: "title", message: "required" },
      { field: "title", message: "must fit on one line" },
      { field: "impact", message: "say how customers are affected" },
    ])).toEqual({ title: "Required.", impact: "Say how customers are affected." });
  });

  it("the banner counts the problems without naming internal fields", () => {
    expect(summary(0)).toBe("");
    expect(summary(1)).toContain("one thing");
    expect(summary(3)).toContain("3 things");
  });

  it("a refused save marks every field at once; other failures only fill the banner", () => {
    const f = new FormProblems();
    f.refused({ code: "invalid", message: "title: required; description: too long", problems: [
      { field: "title", message: "required" },
      { field: "description", message: "too long" },
    ] });
    expect(f.of("title")).toBe("Required.");
    expect(f.of("description")).toBe("Too long.");
    expect(f.banner).toContain("2 things");
    f.refused({ code: "busy", message: "the database is busy" });
    expect(f.fields).toEqual({});
    expect(f.banner).toBe("the database is busy");
  });

  it("after a refusal each problem clears once the backend no longer finds it", async () => {
    vi.useFakeTimers();
    const f = new FormProblems();
    f.recheck(draft);
    await vi.runAllTimersAsync();
    expect(invoke).not.toHaveBeenCalled();
    f.refused({ code: "invalid", message: "", problems: [
      { field: "name", message: "required" },
      { field: "color", message: "must look like #2f7d6d" },
    ] });
    invoke.mockResolvedValueOnce([{ field: "color", message: "must look like #2f7d6d" }]);
    f.recheck(draft);
    await vi.runAllTimersAsync();
    expect(invoke).toHaveBeenCalledWith("check_draft", { draft });
    expect(f.fields).toEqual({ color: "Must look like #2f7d6d." });
    invoke.mockResolvedValueOnce([]);
    f.recheck(draft, [{ field: "reason", message: "say why" }]);
    await vi.runAllTimersAsync();
    expect(f.fields).toEqual({ reason: "Say why." });
    expect(f.banner).toContain("one thing");
  });
});
