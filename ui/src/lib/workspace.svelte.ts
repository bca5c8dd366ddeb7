// What the open database holds, shared by the sidebar and the first-start screen.
import { commands, toIpcError, type IpcError, type WorkspaceStatus } from "./ipc";

class Workspace {
  status = $state<WorkspaceStatus | null>(null);
  failure = $state<IpcError | null>(null);
  loaded = $state(false);

  async refresh() {
    try {
      this.status = await commands.workspaceStatus();
      this.failure = null;
    } catch (e) {
      this.failure = toIpcError(e);
    } finally {
      this.loaded = true;
    }
  }
}

export const workspace = new Workspace();

/** True when the database holds nothing at all. */
export function isEmpty(s: WorkspaceStatus): boolean {
  return s.personas === 0 && s.complaints === 0 && s.meetings === 0 && s.decisions === 0;
}
