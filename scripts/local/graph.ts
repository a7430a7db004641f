/**
 * The local stand-in for Meta's Graph API, at /_local/graph (the stack sets META_GRAPH_URL to
 * it unless you set your own): the `channels` function sends its WhatsApp, Messenger and
 * Instagram replies here, as it would to graph.facebook.com, and nothing leaves the machine.
 * It is the fake the tests use (tests/support/fake_meta.ts: the Graph API's shapes, ids and
 * errors), mounted on the stack; GET /_local/graph/sent lists what it received (the last 500),
 * for `npm run demo:whatsapp` and for you. Local only: nothing here is deployed.
 */
import { createFakeMeta } from "../../tests/support/fake_meta.ts";

const PREFIX = "/_local/graph";
const KEPT = 500;

export function createGraphStandIn(apiUrl: string) {
  const fake = createFakeMeta(`${apiUrl}${PREFIX}`);
  return {
    /** The base URL the functions' Graph client uses (META_GRAPH_URL). */
    baseUrl: fake.baseUrl,
    async handle(req: Request): Promise<Response> {
      const url = new URL(req.url);
      const path = url.pathname.slice(PREFIX.length) || "/";
      if (path === "/sent" && req.method === "GET") {
        return Response.json(fake.sent.map(({ account, api, to, comment_id, type, text, id }) => ({
          account,
          api,
          to,
          comment_id,
          type,
          text,
          id,
        })));
      }
      // (Behind the front the request's URL is the Unix socket's: only its path and query matter.)
      const res = await fake.handle(new Request(new URL(`${path}${url.search}`, "http://127.0.0.1"), req));
      if (fake.sent.length > KEPT) fake.sent.splice(0, fake.sent.length - KEPT);
      return res;
    },
  };
}
