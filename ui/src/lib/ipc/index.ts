// The one door to the backend. Components import `commands` from here (never `invoke`
// with a string name); failures arrive as `IpcError` with the backend's `{code, message}`.
export { commands, events } from "./bindings";
export type * from "./bindings";
import type { ApiError, ErrorCode } from "./bindings";

/** A failed command, carrying the backend's error code. */
export class IpcError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
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
  if (isApiError(e)) return new IpcError(e.code, e.message);
  if (e instanceof Error) return new IpcError("unexpected", e.message);
  return new IpcError("unexpected", typeof e === "string" ? e : "Something went wrong.");
}

/** The message to show for a failure. */
export function errorMessage(e: unknown): string {
  return toIpcError(e).message;
}

/** For an `invalid` error such as "agenda item 2 title: is required", the field it names. */
export function invalidField(e: unknown): string | null {
  const err = toIpcError(e);
  if (err.code !== "invalid") return null;
  const colon = err.message.indexOf(":");
  return colon > 0 ? err.message.slice(0, colon) : null;
}
