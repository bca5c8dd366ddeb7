import { describe, expect, it } from "vitest";
import { minutesBlocks, spans } from "./minutes";

describe("minutes on screen", () => {
  it("finds headings, list items and paragraphs", () => {
    const md = "# Minutes: Council\n\n- Facilitator: Ana\n\n## 1. Fees\n\n_Customer problem:_ charged twice\n\n**Decision (entry 3):** refund it\n- Customer impact: helps";
    expect(minutesBlocks(md).map((b) => b.kind)).toEqual(["h1", "li", "h2", "p", "p", "li"]);
  });

  it("marks emphasis without touching snake_case or lone stars", () => {
    expect(spans("**Decision (entry 3):** refund")).toEqual([{ text: "Decision (entry 3):", strong: true }, { text: " refund" }]);
    expect(spans("_Customer problem:_ late")).toEqual([{ text: "Customer problem:", em: true }, { text: " late" }]);
    expect(spans("see file_name_here and 2 * 3")).toEqual([{ text: "see file_name_here and 2 * 3" }]);
  });

  it("keeps markup in the text as text", () => {
    const [block] = minutesBlocks("- <img src=x onerror=alert(1)>");
    expect(block?.spans).toEqual([{ text: "<img src=x onerror=alert(1)>" }]);
  });
});
