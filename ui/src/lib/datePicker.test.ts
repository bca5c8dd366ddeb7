import { describe, expect, it } from "vitest";
import { closesPickerOnPick } from "./datePicker";

function field() {
  document.body.innerHTML = `<input type="date" id="due" /><button id="raise">Raise</button>`;
  const due = document.getElementById("due") as HTMLInputElement;
  const raise = document.getElementById("raise") as HTMLButtonElement;
  return { due, raise };
}

describe("closesPickerOnPick", () => {
  it("a day picked from the calendar moves the focus on, which closes the calendar", () => {
    const { due, raise } = field();
    closesPickerOnPick(due, () => raise);
    due.focus();
    due.value = "2030-01-16";
    due.dispatchEvent(new Event("input"));
    expect(document.activeElement).toBe(raise);
    expect(due.value).toBe("2030-01-16");
  });

  it("a date typed into the field keeps the focus there", () => {
    const { due } = field();
    closesPickerOnPick(due, () => document.getElementById("raise"));
    due.focus();
    due.dispatchEvent(new KeyboardEvent("keydown", { key: "1" }));
    due.dispatchEvent(new Event("input"));
    expect(document.activeElement).toBe(due);
  });

  it("with nowhere named to go, the field lets go of the focus", () => {
    const { due } = field();
    closesPickerOnPick(due);
    due.focus();
    due.dispatchEvent(new Event("input"));
    expect(document.activeElement).not.toBe(due);
  });
});
