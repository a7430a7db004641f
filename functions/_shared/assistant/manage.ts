/** The user's assistant conversations: list, messages, rename, archive, delete (soft), all in SQL as the user. */
import type { Claims } from "../auth.ts";
import type { AssistantRequest } from "../../../types/api.ts";
import type { Service } from "./context.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** One management action for `claims`' user (another user's conversation: P0002, a 404). */
export async function manage(
  service: Service,
  claims: Claims,
  body: Exclude<AssistantRequest, { action: "ask" }>,
): Promise<unknown> {
  switch (body.action) {
    case "list": {
      const [{ result }] = await service<Json[]>((tx) =>
        tx`select public.assistant_list_conversations(${claims.sub}::uuid, ${
          body.company_id ?? null
        }, ${body.limit}, ${body.offset}) as result`
      );
      return {
        conversations: result.conversations,
        total: result.total,
        limit: body.limit,
        offset: body.offset,
      };
    }
    case "messages": {
      const [{ result }] = await service<Json[]>((tx) =>
        tx`select public.assistant_conversation_messages(${claims.sub}::uuid, ${body.conversation_id}::uuid) as result`
      );
      return { conversation_id: body.conversation_id, messages: result };
    }
    case "rename":
    case "archive":
    case "delete": {
      const status = body.action === "delete"
        ? "deleted"
        : body.action === "archive"
        ? (body.archived ? "archived" : "active")
        : null;
      const title = body.action === "rename" ? body.title : null;
      const [{ result }] = await service<Json[]>((tx) =>
        tx`select public.assistant_update_conversation(${claims.sub}::uuid, ${body.conversation_id}::uuid, ${title}, ${status}) as result`
      );
      return result;
    }
  }
}
