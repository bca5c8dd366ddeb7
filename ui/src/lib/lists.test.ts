import { describe, expect, it } from "vitest";
import { commaToList, linesToList, listToComma, listToLines, move } from "./lists";

describe("lists", () => {
  it("lines become entries without blanks", () => {
    expect(linesToList(" paid on time \n\n  fewer fees\n")).toEqual(["paid on time", "fewer fees"]);
    expect(listToLines(["a", "b"])).toBe("a\nb");
  });

  it("comma lists are trimmed and blanks dropped", () => {
    expect(commaToList("fees, , late salary ,")).toEqual(["fees", "late salary"]);
    expect(listToComma(["fees", "late salary"])).toBe("fees, late salary");
  });

  it("moving an entry keeps the others in order", () => {
    expect(move(["a", "b", "c"], 2, 0)).toEqual(["c", "a", "b"]);
    expect(move(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
  });

  it("a move past either end changes nothing", () => {
    expect(move(["a", "b"], 0, -1)).toEqual(["a", "b"]);
    expect(move(["a", "b"], 1, 2)).toEqual(["a", "b"]);
  });
});
