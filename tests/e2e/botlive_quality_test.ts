// Botlive's offline extractor on the labelled sets (tests/fixtures/botlive/conversations.json):
// slot accuracy and end-to-end order accuracy, printed, with floors at the figures reached
// (README, Botlive). The development set is the one the extractor was tuned on; the held-out
// set was written after the tuning and is not tuned on. Lower a floor only with a reason.
import assert from "node:assert/strict";
import { stack } from "../support/stack.ts";
import { createTestShop } from "../fixtures/botlive/shop.ts";
import { evaluate, loadLabelledSet } from "../fixtures/botlive/evaluate.ts";

const FLOORS = {
  conversations: { slots: 1.0, endToEnd: 1.0, minimum: 52 },
  held_out: { slots: 1.0, endToEnd: 19 / 20, minimum: 20 },
} as const;

for (
  const [which, floor] of Object.entries(FLOORS) as [
    keyof typeof FLOORS,
    (typeof FLOORS)[keyof typeof FLOORS],
  ][]
) {
  Deno.test({
    name: `botlive quality: the offline extractor on the ${
      which === "held_out" ? "held-out" : "development"
    } set stays at its floors`,
    ignore: !stack.available,
    async fn() {
      const set = await loadLabelledSet(which);
      assert.ok(set.length >= floor.minimum, `${set.length} conversations`);
      const shop = await createTestShop(stack.dbUrl);
      try {
        const result = await evaluate(shop, set);
        console.log(
          `botlive ${which}: ${result.conversations} conversations, ${result.messages} messages; ` +
            `slot accuracy ${
              (100 * result.slotAccuracy).toFixed(1)
            }% (${result.slotsRight}/${result.slots}), ` +
            `end-to-end ${
              (100 * result.endToEndAccuracy).toFixed(1)
            }% (${result.endToEndRight}/${result.conversations})`,
        );
        for (const miss of result.misses) {
          console.log(
            `  miss ${miss.id} (got ${miss.outcome}): ${JSON.stringify(miss.slots.filter((s) => !s.right))}`,
          );
        }
        assert.ok(
          result.slotAccuracy >= floor.slots,
          `slot accuracy ${result.slotAccuracy} < ${floor.slots}`,
        );
        assert.ok(
          result.endToEndAccuracy >= floor.endToEnd,
          `end-to-end ${result.endToEndAccuracy} < ${floor.endToEnd}`,
        );
      } finally {
        await shop.drop();
      }
    },
  });
}
