-- Payment screenshots kept and shown: each proof image the bot receives is stored once in the
-- `proofs` bucket, named by its sha256 (`<company id>/<conversation id>/<sha256>.<ext>`), and the
-- payment claim it supports links to it; the same screenshot already linked to another payment of
-- the company is flagged `proof_reused` (and the shop's feed says so). Members get a short-lived
-- signed URL to see it beside the amount and reference (`orders`, `dashboard`).

alter table public.payments
  add column proof_path text constraint payments_proof_path_format
    check (proof_path ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[0-9a-f-]{36}/[0-9a-f]{64}\.(jpg|png|webp)$'),
  add column proof_sha256 text constraint payments_proof_sha256_hex check (proof_sha256 ~ '^[0-9a-f]{64}$'),
  add column proof_reused boolean not null default false;
create index payments_company_id_proof_sha256_idx on public.payments (company_id, proof_sha256)
  where proof_sha256 is not null;

/**
 * Links a stored screenshot to the payment claim of that reference in that conversation (the one
 * the turn just recorded or found again; never another customer's, whatever reference she
 * quotes); flags it reused when another payment of the company already has it, and says so in
 * the feed. Returns { attached, reused }. Service only (Botlive's turn).
 */
create function public.botlive_attach_proof(p_company text, p_conversation uuid, p_reference text, p_path text,
  p_sha256 text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_payment public.payments;
  v_reused boolean;
begin
  select * into v_payment from public.payments p
   where p.company_id = v_company and p.conversation_id = p_conversation and p.reference is not null
     and p.status not in ('rejected', 'refused')
     and private.normalize_reference(p.reference) = private.normalize_reference(p_reference)
   order by p.created_at desc
   limit 1
   for update;
  if not found then
    return jsonb_build_object('attached', false, 'reused', false);
  end if;
  v_reused := exists (
    select 1 from public.payments p
     where p.company_id = v_company and p.proof_sha256 = p_sha256 and p.id <> v_payment.id
  );
  update public.payments p
     set proof_path = p_path, proof_sha256 = p_sha256, proof_reused = v_reused
   where p.id = v_payment.id;
  if v_reused and not v_payment.proof_reused then
    perform private.log_activity(v_company::text, 'payment.proof_reused',
      format('Capture déjà reçue : %s FCFA (réf. %s)', v_payment.amount, v_payment.reference),
      'La même capture d''écran accompagne déjà un autre paiement : à vérifier de près.', 'warning',
      jsonb_build_object('payment_id', v_payment.id), v_payment.conversation_id);
  end if;
  return jsonb_build_object('attached', true, 'reused', v_reused);
end;
$$;
revoke all on function public.botlive_attach_proof(text, uuid, text, text, text) from public;
grant execute on function public.botlive_attach_proof(text, uuid, text, text, text) to service_role;
