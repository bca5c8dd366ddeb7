import { describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

import { commands, errorMessage, IpcError, toIpcError } from "./index";

describe("ipc", () => {
  it("a backend error arrives with its code and message", async () => {
    invoke.mockRejectedValueOnce({ code: "conflict", message: "a persona named \"Maya\" already exists" });
    const err = await commands.listPersonas().catch(toIpcError);
    expect(err).toBeInstanceOf(IpcError);
    expect(err).toMatchObject({ code: "conflict", message: 'a persona named "Maya" already exists' });
  });

  it("commands call the backend by their generated name", async () => {
    invoke.mockResolvedValueOnce([]);
    await expect(commands.listMeetings()).resolves.toEqual([]);
    expect(invoke).toHaveBeenLastCalledWith("list_meetings", ...([] as unknown[]));
  });

  it("a framework failure becomes an unexpected error with its text", () => {
    expect(toIpcError("command not found")).toMatchObject({ code: "unexpected", message: "command not found" });
    expect(errorMessage(new Error("boom"))).toBe("boom");
  });

  it("an invalid error carries its problems field by field", () => {
    const problems = [{ field: "agenda item 2 title", message: "required" }];
    expect(toIpcError({ code: "invalid", message: "agenda item 2 title: required", problems }).problems).toEqual(problems);
    expect(toIpcError({ code: "conflict", message: "x: y" }).problems).toEqual([]);
  });
});
