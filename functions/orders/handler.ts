/**
 * `orders`: the shop's orders. GET lists them by status with pagination
 * (`?company_id=&status=pending&limit=50&offset=0`) or returns one (`&id=`), for any member;
 * POST enters one by hand (public.create_order: prices, the zone's fee and the stock from the
 * database) and PATCH changes its status or notes, for an admin. An illegal transition
 * (`delivered → pending`) is a 409; another company's order, or none, a 404. PATCH also takes a
 * member's decision on an order's declared payment proof (`payment: { decision }`) and marks
 * money owed back settled (`refund_id`), both audited in SQL (who, when) and 409 once decided.
 */
import type { Authenticate } from "../_shared/auth.ts";
import { callerRunner, type Run } from "../_shared/botlive/access.ts";
import { orderProofs, type ProofFiles } from "../_shared/botlive/proofs.ts";
import { countryOf } from "../_shared/botlive/country.ts";
import { findPhones } from "../_shared/botlive/parse.ts";
import type { Db, Tx } from "../_shared/db.ts";
import { byRef } from "../_shared/knowledge/access.ts";
import { HttpError, json, readJson, readQuery, serveJson } from "../_shared/http.ts";
import { checkCatalogText } from "../../scripts/catalog_file.mjs";
import {
  CatalogImportRequest,
  CreateOrderRequest,
  type Order,
  OrdersQuery,
  type Refund,
  UpdateOrderRequest,
} from "../../types/api.ts";

const columns = (tx: Tx) =>
  tx`o.id::text, o.order_number, o.company_id::text, o.conversation_id::text, o.customer_name, o.customer_phone,
     o.delivery_zone, o.delivery_fee, o.items, o.items_total, o.total_amount, o.status, o.payment_status,
     o.payment_verified_by::text, o.payment_verified_at, o.source, o.notes, o.created_at, o.updated_at`;

const iso = (value: unknown) => value instanceof Date ? value.toISOString() : value ?? null;

function toOrder(row: Record<string, unknown>): Order {
  return {
    ...row,
    payment_verified_at: iso(row.payment_verified_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  } as Order;
}

async function one(run: Run, ref: string, id: string): Promise<Order> {
  const rows = await run((tx) =>
    tx`select ${columns(tx)} from public.orders o join public.companies c on c.id = o.company_id
       where ${byRef(tx, ref)} and o.id = ${id}::uuid`
  );
  if (!rows[0]) throw new HttpError("not_found", `orders: no order ${id} in company ${ref}`);
  return toOrder(rows[0]);
}

export function createHandler(
  deps: { db: Db; auth: Authenticate; proofs?: ProofFiles; supabaseUrl?: string },
) {
  /** Orders with the screenshots of their claims (signed URLs), as the member reads them. */
  async function withProofs(run: Run, orders: Order[]): Promise<Order[]> {
    const proofs = await orderProofs(run, deps.proofs, orders.filter((o) => o.source === "botlive").map((o) => o.id));
    return orders.map((o) => proofs.has(o.id) ? { ...o, proofs: proofs.get(o.id) } : o);
  }

  return serveJson({ name: "orders", methods: ["GET", "POST", "PATCH"] }, async function (req) {
    const run = await callerRunner(deps.auth, deps.db, req);

    if (req.method === "GET") {
      const query = readQuery(req, OrdersQuery);
      if (query.id) {
        return json(200, { order: (await withProofs(run, [await one(run, query.company_id, query.id)]))[0] });
      }
      // Under RLS a non-member sees no company: the same 403 whether it exists or not.
      const [member] = await run((tx) =>
        tx`select c.id from public.companies c where ${byRef(tx, query.company_id)}`
      );
      if (!member) {
        throw new HttpError("forbidden", `orders: requires a member of company ${query.company_id}`);
      }
      const rows = await run((tx) =>
        tx`select ${columns(tx)}, count(*) over () as total
           from public.orders o
           where o.company_id = ${member.id}::uuid ${query.status ? tx`and o.status = ${query.status}` : tx``}
           order by o.created_at desc, o.number desc
           limit ${query.limit} offset ${query.offset}`
      );
      const total = rows[0] ? Number(rows[0].total) : await run(async (tx) => {
        const [{ n }] = await tx`select count(*)::integer as n from public.orders o
          where o.company_id = ${member.id}::uuid ${
          query.status ? tx`and o.status = ${query.status}` : tx``
        }`;
        return n as number;
      });
      return json(200, {
        orders: await withProofs(run, rows.map(({ total: _, ...row }) => toOrder(row))),
        total,
        limit: query.limit,
        offset: query.offset,
      });
    }

    if (req.method === "POST" && new URL(req.url).pathname.replace(/\/$/, "").endsWith("/catalog")) {
      return await importCatalog(req, run);
    }

    if (req.method === "POST") {
      const body = await readJson(req, CreateOrderRequest, { maxBytes: 64 * 1024 });
      let phone: string | null = null;
      if (body.customer_phone) {
        // Read in the shop's country (a company the caller cannot see: create_order says 403).
        const [company] = await run((tx) =>
          tx`select c.country from public.companies c where ${byRef(tx, body.company_id)}`
        );
        const country = countryOf(company?.country);
        const found = findPhones(body.customer_phone, country.code);
        if (found.valid.length !== 1) {
          throw new HttpError(
            "invalid_request",
            `Invalid request body: customer_phone: not a mobile number of ${country.name} (e.g. ${country.example})`,
          );
        }
        phone = found.valid[0];
      }
      const [row] = await run((tx) =>
        tx<{ id: string }[]>`select (public.create_order(${body.company_id}, ${
          tx.json({ ...body, customer_phone: phone } as never)
        })).id::text as id`
      );
      return json(201, { order: await one(run, body.company_id, row.id) });
    }

    const body = await readJson(req, UpdateOrderRequest, { maxBytes: 8 * 1024 });
    const refundId = body.refund_id;
    if (refundId) {
      // A member checks the proof behind it or settles it (audited in SQL; 409 when not in that
      // state, 404 for anyone else).
      const decision = body.payment;
      const [row] = await run((tx) =>
        tx`select r.id::text, r.order_id::text, r.conversation_id::text, r.customer_name, r.kind, r.reason, r.amount,
             r.payment_references, r.status, r.settled_by::text, r.settled_at, r.note, r.created_at
           from ${
          decision
            ? tx`private.botlive_verify_refund(${body.company_id}, ${refundId}::uuid, ${decision.decision}, ${
              decision.note ?? null
            })`
            : tx`private.botlive_settle_refund(${body.company_id}, ${refundId}::uuid, ${body.note ?? null})`
        } r`
      );
      const refund = { ...row, settled_at: iso(row.settled_at), created_at: iso(row.created_at) } as Refund;
      return json(200, { refund });
    }
    const id = body.id!;
    if (body.payment) {
      // Any member decides on a declared proof (audited in SQL; 409 once decided, 404 for anyone else).
      await run((tx) =>
        tx`select 1 from private.botlive_verify_payment(${body.company_id}, ${id}::uuid, ${
          body.payment!.decision
        }, ${body.payment!.note ?? null})`
      );
      return json(200, { order: await one(run, body.company_id, id) });
    }
    // As the caller: the policy lets admins update, the trigger refuses an illegal transition (409).
    const updated = await run((tx) =>
      tx`update public.orders o set
           status = coalesce(${body.status ?? null}, o.status),
           notes = ${body.notes === undefined ? tx`o.notes` : tx`${body.notes}`}
         from public.companies c
         where c.id = o.company_id and ${byRef(tx, body.company_id)} and o.id = ${id}::uuid
         returning o.id`
    );
    if (updated.length === 0) {
      // A member sees the order but may not change it: 403; nobody sees it: 404.
      const visible = await run((tx) =>
        tx`select 1 from public.orders o join public.companies c on c.id = o.company_id
           where ${byRef(tx, body.company_id)} and o.id = ${id}::uuid`
      );
      if (visible.length > 0) {
        throw new HttpError("forbidden", `orders: requires an admin of company ${body.company_id}`);
      }
      throw new HttpError("not_found", `orders: no order ${id} in company ${body.company_id}`);
    }
    return json(200, { order: await one(run, body.company_id, id) });
  });

  /**
   * A catalog file from the `catalogs` bucket, read with the caller's own credentials (Storage's
   * policies: the company's admins), checked by the reader of `npm run catalog`, then applied by
   * public.botlive_import_catalog in one transaction as the caller (RLS decides).
   */
  async function importCatalog(req: Request, run: Run): Promise<Response> {
    const body = await readJson(req, CatalogImportRequest, { maxBytes: 4096 });
    if (!deps.supabaseUrl) throw new HttpError("not_found", "orders: catalog files are not read here");
    // <company uuid>/<file>: the company named, one plain file name (no . or .. segment, no other bucket).
    const [companyId, fileName, ...rest] = body.path.split("/");
    const [company] = await run((tx) => tx<{ id: string }[]>`select c.id::text from public.companies c where ${byRef(tx, body.company_id)}`);
    if (!company) throw new HttpError("forbidden", `orders: requires an admin of company ${body.company_id}`);
    if (companyId !== company.id || !fileName || rest.length > 0 || fileName === "." || fileName === "..") {
      throw new HttpError("invalid_request", `orders: path must be ${company.id}/<file> in the catalogs bucket`);
    }
    const path = body.path.split("/").map(encodeURIComponent).join("/");
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "apikey"]) {
      const value = req.headers.get(name);
      if (value) headers[name] = value;
    }
    const file = await fetch(`${deps.supabaseUrl}/storage/v1/object/authenticated/catalogs/${path}`, { headers });
    if (!file.ok) {
      await file.body?.cancel();
      throw new HttpError("not_found", `orders: no catalog file ${body.path} you may read`);
    }
    const text = new TextDecoder().decode(await file.arrayBuffer());
    const name = body.path.split("/").at(-1)!;
    const { sources, errors } = checkCatalogText({ file: name, text }) as {
      sources: { kind: "products" | "zones"; rows: { row: Record<string, unknown> }[] }[];
      errors: string[];
    };
    if (errors.length) {
      throw new HttpError(
        "invalid_request",
        `orders: ${name}: ${errors.length} error${errors.length > 1 ? "s" : ""}, nothing imported`,
        errors,
      );
    }
    const rows = (kind: "products" | "zones") => sources.find((s) => s.kind === kind)?.rows.map((r) => r.row) ?? [];
    const [{ report }] = await run((tx) =>
      tx<{ report: unknown }[]>`select public.botlive_import_catalog(${body.company_id}, ${tx.json(rows("products") as never)},
        ${tx.json(rows("zones") as never)}, ${body.dry_run ?? false}, ${name}) as report`
    );
    return json(200, report);
  }
}
