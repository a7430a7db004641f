import assert from "node:assert/strict";
import { stack } from "../support/stack.ts";

Deno.test({
  name: "types/database.ts is what `npm run types` generates from the migrated database",
  ignore: !stack.available,
  async fn() {
    const out = await new Deno.Command("node", {
      args: [new URL("../../scripts/gen_types.mjs", import.meta.url).pathname, stack.dbUrl],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const committed = await Deno.readTextFile(new URL("../../types/database.ts", import.meta.url));
    assert.ok(
      new TextDecoder().decode(out.stdout) === committed,
      "types/database.ts is stale: run `npm run types` and commit the result",
    );
  },
});
