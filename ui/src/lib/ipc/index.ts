// The one door to the backend. Components import `commands` from here (never `invoke`
// with a string name); failures arrive as `IpcError` with the backend's
// `{code, message, problems}`.
export { commands, events } from "./bindings";
// The lists and defaults the forms show, as the backend defines them.
export { DEFAULT_AUDIT_FILTER, DEFAULT_ORG_FILTER, DIRECTIONS, IMPORT_FIELDS, SIZES, STANCES } from "./bindings";
export type * from "./bindings";
import type { ApiError, ErrorCode, Problem } from "./bindings";

/** A failed command, carrying the backend's error code and, for an invalid input, its problems. */
export class IpcError extends Error {
  readonly code: ErrorCode;
  readonly problems: Problem[];
  constructor(code: ErrorCode, message: string, problems: Problem[] = []) {
    super(message);
    this.code = code;
    this.problems = problems;
    this.name = "IpcError";
  }
}

function isApiError(e: unknown): e is ApiError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as ApiError).code === "string" &&
    typeof (e as ApiError).message === "string"
  );
}

/** Turns whatever a failed command threw into an `IpcError`. */
export function toIpcError(e: unknown): IpcError {
  if (e instanceof IpcError) return e;
  if (isApiError(e)) return new IpcError(e.code, e.message, e.problems ?? []);
  if (e instanceof Error) return new IpcError("unexpected", e.message);
  return new IpcError("unexpected", typeof e === "string" ? e : "Something went wrong.");
}

/** The message to show for a failure. */
export function errorMessage(e: unknown): string {
  return toIpcError(e).message;
}
