// End to end, a request too long for Deno's HTTP server (which would answer an empty 400 before
// any of our code runs): the stack's front refuses it in the error contract.
import assert from "node:assert/strict";
import http from "node:http";
import { ErrorBody } from "../../types/api.ts";
import { stack } from "../support/stack.ts";

const ignore = !stack.available;

Deno.test({
  name: "a 100,000-character query is a 414 in the error contract, not an empty 400",
  ignore,
  async fn() {
    // node:http, because Deno's fetch refuses a URL this long before sending it.
    const url = `${stack.apiUrl}/functions/v1/health?q=${"a".repeat(100_000)}`;
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get(url, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => body += chunk);
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      }).on("error", reject);
    });
    assert.equal(res.status, 414, res.body);
    assert.deepEqual(ErrorBody.parse(JSON.parse(res.body)), {
      error: { code: "uri_too_long", message: "Request URI too long: at most 16384 bytes" },
    });
  },
});
