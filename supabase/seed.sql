-- Demo data: three tenants, each with one owner who signs in with password `comptoir-demo`.
-- Runs on every `npm start`, so every insert is idempotent (fixed ids, on conflict do nothing):
-- a second run changes nothing, and edits made through the app are kept.
--
--   company (slug)        company uuid                           owner e-mail                  owner uuid
--   agence-des-copines    c0000000-0000-4000-8000-000000000001   owner@agence-des-copines.test a0000000-0000-4000-8000-000000000001
--   boutique-awa          c0000000-0000-4000-8000-000000000002   owner@boutique-awa.test       a0000000-0000-4000-8000-000000000002
--   atelier-durand        c0000000-0000-4000-8000-000000000003   owner@atelier-durand.test     a0000000-0000-4000-8000-000000000003

insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at
)
select
  '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email,
  extensions.crypt('comptoir-demo', extensions.gen_salt('bf')), now(),
  '{"provider": "email", "providers": ["email"]}', jsonb_build_object('full_name', u.full_name),
  now(), now()
from (values
  ('a0000000-0000-4000-8000-000000000001'::uuid, 'owner@agence-des-copines.test', 'Sophie Martin'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, 'owner@boutique-awa.test', 'Awa Diop'),
  ('a0000000-0000-4000-8000-000000000003'::uuid, 'owner@atelier-durand.test', 'Pierre Durand')
) as u (id, email, full_name)
on conflict do nothing;

-- On a real Supabase stack GoTrue also needs an e-mail identity per user, and empty
-- (not null) token columns, before a password sign-in works; the local shim has neither.
do $$
begin
  if to_regclass('auth.identities') is not null then
    insert into auth.identities (id, user_id, provider_id, provider, identity_data, last_sign_in_at, created_at, updated_at)
    select u.id, u.id, u.id::text, 'email',
      jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true), now(), now(), now()
    from auth.users u
    where u.id in ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002',
                   'a0000000-0000-4000-8000-000000000003')
    on conflict do nothing;
    update auth.users
    set confirmation_token = coalesce(confirmation_token, ''),
        recovery_token = coalesce(recovery_token, ''),
        email_change_token_new = coalesce(email_change_token_new, ''),
        email_change = coalesce(email_change, '')
    where id in ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002',
                 'a0000000-0000-4000-8000-000000000003');
  end if;
end
$$;

insert into public.companies (id, slug, name, sector, is_auto_entrepreneur, vat_exempt, modules_enabled)
values
  ('c0000000-0000-4000-8000-000000000001', 'agence-des-copines', 'L''Agence des Copines',
   'marketing digital et coaching', false, false, '{chat}'),
  ('c0000000-0000-4000-8000-000000000002', 'boutique-awa', 'Boutique Awa',
   'mode, vente en live (Dakar)', false, false, '{botlive,chat}'),
  ('c0000000-0000-4000-8000-000000000003', 'atelier-durand', 'Atelier Durand',
   'artisanat et services aux entreprises', true, true, '{assistant}')
on conflict do nothing;

insert into public.company_members (company_id, user_id, role)
values
  ('c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'owner'),
  ('c0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000002', 'owner'),
  ('c0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000003', 'owner')
on conflict do nothing;

insert into public.company_rag_configs (
  company_id, company_name, ai_name, user_id, prompt_botlive_groq_70b, prompt_botlive_deepseek_v3
)
values
  ('agence-des-copines', 'L''Agence des Copines', 'Lia', 'a0000000-0000-4000-8000-000000000001',
   $prompt$Tu es Lia, l'assistante de L'Agence des Copines, une agence de marketing digital et de coaching pour entrepreneures.
Réponds en français, avec chaleur et simplicité, en t'appuyant uniquement sur les informations de la base de connaissances fournies.
Si la question porte sur l'automatisation (tunnels de vente, e-mails, Kajabi, Zapier), oriente vers Audrey ; si elle porte sur Instagram (reels, stories, création de contenu, design), oriente vers Carole.
Si tu ne sais pas, dis-le et propose d'être mise en relation avec l'équipe.$prompt$,
   $prompt$Tu es Lia, l'assistante de L'Agence des Copines (marketing digital et coaching pour entrepreneures).
Réponds en français, brièvement et avec bienveillance, à partir des seules informations fournies.
Automatisation, tunnels, e-mails, Kajabi, Zapier : c'est le domaine d'Audrey. Instagram, reels, stories, contenu, design : celui de Carole.
Quand l'information manque, dis-le honnêtement et propose un contact humain.$prompt$),
  ('boutique-awa', 'Boutique Awa', 'Awa Bot', 'a0000000-0000-4000-8000-000000000002',
   $prompt$Tu es l'assistante de vente de Boutique Awa, boutique de mode à Dakar qui vend en direct (live) sur les réseaux sociaux.
Pendant le live, ton rôle est de prendre les commandes. Pour chaque commande, tu dois obtenir ces quatre informations :
1. le produit (nom ou numéro annoncé pendant le live, taille et couleur si besoin) ;
2. le paiement (Wave, Orange Money ou paiement à la livraison) et le montant payé, en FCFA ;
3. la zone de livraison (quartier de Dakar ou ville) ;
4. le numéro de téléphone du client.
Pose une seule question à la fois, uniquement pour l'information qui manque. N'invente jamais un prix : utilise les prix du catalogue et écris les montants en FCFA (par exemple 15 000 FCFA).
Si le montant payé ne correspond pas au prix, signale-le poliment et indique le montant exact attendu.
Quand les quatre informations sont réunies, récapitule la commande (produit, montant, zone, téléphone) et confirme qu'elle est enregistrée.
Réponds en français, de façon courte, chaleureuse et claire ; le client écrit souvent depuis son téléphone pendant le live.$prompt$,
   $prompt$Tu es l'assistante de Boutique Awa (mode, vente en live, Dakar). Tu prends les commandes des clients pendant le live.
Informations à réunir pour chaque commande : produit, mode de paiement et montant payé (en FCFA), zone de livraison, numéro de téléphone.
Demande seulement ce qui manque, une question à la fois. Les prix viennent du catalogue : ne les invente pas, écris-les en FCFA.
Si le paiement ne correspond pas au prix, explique l'écart avec courtoisie et donne le montant attendu.
Quand tout est complet, fais un récapitulatif et confirme la commande.
Réponds toujours en français, en phrases courtes et aimables.$prompt$),
  ('atelier-durand', 'Atelier Durand', 'Assistant Durand', 'a0000000-0000-4000-8000-000000000003',
   null, null)
on conflict do nothing;
