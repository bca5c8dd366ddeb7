// Short messages at the corner of the window: what just happened, or what went wrong.

export type Toast = { id: number; kind: "ok" | "error"; text: string; undo?: () => void };

class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  show(kind: Toast["kind"], text: string, undo?: () => void) {
    const id = this.#next++;
    this.items = [...this.items, { id, kind, text, undo }];
    setTimeout(() => this.dismiss(id), kind === "error" ? 8000 : 5000);
  }

  ok(text: string, undo?: () => void) {
    this.show("ok", text, undo);
  }

  error(text: string) {
    this.show("error", text);
  }

  dismiss(id: number) {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
