// A file the user dropped on the window or picked elsewhere, waiting for the import screen.
class PendingImport {
  path = $state<string | null>(null);

  take(): string | null {
    const p = this.path;
    this.path = null;
    return p;
  }
}

export const pendingImport = new PendingImport();
