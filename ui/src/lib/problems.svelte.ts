// What a form shows when a save is refused: each problem beside its own field, in the form's
// words, all at once; after a refusal the form asks the backend again as the user types, so
// each problem clears the moment it is put right (the rules live in Rust alone).
import { tick } from "svelte";
import { commands, toIpcError, type Draft, type Problem } from "./ipc";

/** "required" → "Required."; a message ending in its own punctuation keeps it. */
export function sentence(message: string): string {
  const m = message.trim();
  if (!m) return m;
  const first = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** Problems by field, the first for a field winning, each as a sentence to show beside it. */
export function byField(problems: readonly Problem[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of problems) if (!(p.field in out)) out[p.field] = sentence(p.message);
  return out;
}

/** The line above the form: how many problems there are and where they are. */
export function summary(count: number): string {
  if (count === 0) return "";
  return count === 1
    ? "Nothing was saved: one thing needs putting right, marked below."
    : `Nothing was saved: ${count} things need putting right, each marked below.`;
}

/** How long typing must pause before the draft is checked again. */
const RECHECK_MS = 200;

/** A form's problems after a refused save, kept up to date as the user puts them right. */
export class FormProblems {
  /** Problem sentences by field. */
  fields = $state<Record<string, string>>({});
  /** The line above the form: a summary of the marked fields, or a failure of another kind. */
  banner = $state("");
  #watching = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #asked = 0;

  /** The problem to show beside `field`, if any. */
  of(field: string): string | undefined {
    return this.fields[field];
  }

  /** Shows why a save was refused; from now on `recheck` follows the user's corrections. */
  refused(e: unknown): void {
    const err = toIpcError(e);
    if (err.problems.length > 0) {
      this.fields = byField(err.problems);
      this.banner = summary(Object.keys(this.fields).length);
      this.#watching = true;
    } else {
      this.fields = {};
      this.banner = err.message;
    }
  }

  /** Forgets every problem (a save started, or the form was reset). */
  clear(): void {
    this.fields = {};
    this.banner = "";
    this.#watching = false;
    clearTimeout(this.#timer);
    this.#asked++;
  }

  /**
   * After a refused save, checks `draft` again once typing pauses; `local` adds problems only the
   * form knows of (such as a rule the store applies on saving).
   */
  recheck(draft: Draft, local: Problem[] = []): void {
    if (!this.#watching) return;
    clearTimeout(this.#timer);
    const asked = ++this.#asked;
    this.#timer = setTimeout(async () => {
      let found: Problem[];
      try {
        found = await commands.checkDraft(draft);
      } catch {
        return;
      }
      if (asked !== this.#asked) return;
      this.fields = byField([...found, ...local]);
      this.banner = summary(Object.keys(this.fields).length);
    }, RECHECK_MS);
  }
}

/** Moves the cursor to the first field marked invalid, once the form has drawn the marks. */
export async function focusFirstProblem(): Promise<void> {
  await tick();
  const field = document.querySelector<HTMLElement>(".invalid input, .invalid textarea, .invalid select");
  field?.focus();
  field?.scrollIntoView({ block: "center" });
}
