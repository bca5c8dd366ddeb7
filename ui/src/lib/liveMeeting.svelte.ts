// A live meeting as a window follows it: read from the database, read again whenever the backend
// announces a change (from this window, the other one, or the command line), and a clock that
// ticks so running timers move between reads.
import { commands, errorMessage, events, type LiveState } from "./ipc";
import { msToNextSecond, spentNow } from "./live";

export class LiveMeeting {
  state = $state<LiveState | null>(null);
  error = $state("");
  /** `performance.now()` when `state` was read, and now; their difference moves the timers. */
  readAt = $state(0);
  nowMs = $state(0);
  private reading: Promise<void> | null = null;
  private again = false;
  /** Counts the states taken from commands, so a read that started before one cannot undo it. */
  private taken = 0;

  constructor(readonly id: string) {}

  /** Reads the meeting again; calls that arrive while a read runs fold into one more read. */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        const before = this.taken;
        try {
          const s = await commands.liveState(this.id);
          if (this.taken !== before) {
            // A command's newer state arrived meanwhile: this read may predate it.
            this.again = true;
            continue;
          }
          this.state = s;
          this.readAt = performance.now();
          this.nowMs = this.readAt;
          this.error = "";
        } catch (e) {
          this.error = errorMessage(e);
        }
      } while (this.again);
      this.reading = null;
    })();
    return this.reading;
  }

  /** Takes a state a command returned, newer than any read so far. */
  take(s: LiveState) {
    this.taken++;
    this.state = s;
    this.readAt = performance.now();
    this.nowMs = this.readAt;
  }

  /** Follows the meeting until the returned function is called. */
  follow(): () => void {
    void this.refresh();
    // One wake-up a second, on the second the timers turn over: a faster tick repaints the
    // screen for nothing and costs a laptop's battery over an hour-long meeting.
    let ticking: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      this.nowMs = performance.now();
      ticking = setTimeout(tick, msToNextSecond(this.nowMs - this.readAt) + 2);
    };
    tick();
    const onFocus = () => void this.refresh();
    window.addEventListener("focus", onFocus);
    const listening = events.meetingChanged.listen((e) => {
      if (e.payload.meeting_id === this.id) void this.refresh();
    });
    // Written elsewhere (the command line, say): read again too.
    const changed = events.dataChanged.listen(() => void this.refresh());
    return () => {
      void changed.then((stop) => stop());
      clearTimeout(ticking);
      window.removeEventListener("focus", onFocus);
      void listening.then((stop) => stop());
    };
  }

  /** Seconds spent on `itemId` as of now. */
  spent(itemId: string | null | undefined): number {
    const clock = this.state?.clocks.find((c) => c.agenda_item_id === itemId);
    return spentNow(clock, this.nowMs - this.readAt);
  }
}
