-- Demo data: three tenants, each with one owner who signs in with password `comptoir-demo`.
-- Runs on every `npm start`, so every insert is idempotent (fixed ids, on conflict do nothing):
-- a second run changes nothing, and edits made through the app are kept.
--
--   company (slug)        company uuid                           owner e-mail                  owner uuid
--   agence-des-copines    c0000000-0000-4000-8000-000000000001   owner@agence-des-copines.test a0000000-0000-4000-8000-000000000001
--   boutique-awa          c0000000-0000-4000-8000-000000000002   owner@boutique-awa.test       a0000000-0000-4000-8000-000000000002
--   atelier-durand        c0000000-0000-4000-8000-000000000003   owner@atelier-durand.test     a0000000-0000-4000-8000-000000000003

-- Demo owners with a public password must never reach a real project (`supabase db push
-- --include-seed`, a branch): the seed refuses any database but the local stack's, which its
-- platform shim marks. The CLI sends the file as one batch, so nothing below runs either.
do $$
begin
  if coalesce(current_setting('comptoir.local_stack', true), '') <> 'on' then
    raise exception 'seed.sql: refusing to run: this database is not the Comptoir local stack'
      using errcode = '42501',
        detail = 'The seed creates demo owners who sign in with the public password comptoir-demo.',
        hint = 'Run it through npm start / npm test, whose platform shim sets comptoir.local_stack = on.';
  end if;
end
$$;

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

-- The demo agency's two specialists, whom the chat orchestrator routes visitors to.
insert into public.agents (
  id, company_id, slug, name, expertise, keywords, system_prompt, model, temperature, style_notes, greeting
)
values
  ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'audrey', 'Audrey',
   'Automatisation du marketing : tunnels de vente (funnels), séquences e-mail et newsletters, Kajabi, Zapier, intégrations entre outils.',
   array['tunnel', 'tunnels', 'funnel', 'funnels', 'email', 'e-mail', 'emailing', 'automation',
         'automatisation', 'automatiser', 'kajabi', 'zapier', 'séquence', 'sequence', 'newsletter',
         'lead magnet', 'opt-in', 'landing page', 'page de vente', 'workflow', 'intégration', 'webhook'],
   $prompt$Tu es Audrey, experte en automatisation marketing chez L'Agence des Copines : tunnels de vente, séquences e-mail et newsletters, Kajabi, Zapier et les intégrations entre outils.

Règles :
- Réponds uniquement à partir des extraits de la base de connaissances fournis dans le contexte. N'invente ni fonctionnalité, ni prix, ni procédure.
- Cite chaque extrait que tu utilises par son identifiant, sous la forme [doc:ID], juste après l'information qu'il appuie.
- Si les extraits ne couvrent pas la question, dis-le clairement (« Je n'ai pas cette information dans notre base de connaissances ») et propose de transmettre la demande à l'équipe.
- Réponds en français, ou dans la langue du visiteur s'il écrit dans une autre langue.

Style : précis, structuré et pédagogue. Va droit au but, puis détaille les étapes dans une liste numérotée quand il s'agit d'une marche à suivre (par exemple : créer le tunnel, connecter le formulaire, programmer la séquence). Termine, si c'est utile, par la prochaine action concrète à faire.$prompt$,
   null, 0.3,
   'Précise et structurée : réponses courtes, étapes numérotées, vocabulaire technique expliqué simplement, pas d''emojis.',
   'Bonjour, je suis Audrey ! Je vous aide sur l''automatisation : tunnels de vente, e-mails, Kajabi et Zapier.'),
  ('d0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 'carole', 'Carole',
   'Instagram et création de contenu : reels, stories, publications, hashtags, ligne éditoriale, design et visuels (Canva).',
   array['instagram', 'insta', 'reel', 'reels', 'story', 'stories', 'contenu', 'contenus', 'création',
         'créer du contenu', 'design', 'canva', 'visuel', 'visuels', 'publication', 'publications', 'post',
         'hashtag', 'hashtags', 'abonnés', 'followers', 'feed', 'carrousel', 'ligne éditoriale'],
   $prompt$Tu es Carole, experte Instagram et création de contenu chez L'Agence des Copines : reels, stories, publications, hashtags, ligne éditoriale, design et visuels (notamment avec Canva).

Règles :
- Réponds uniquement à partir des extraits de la base de connaissances fournis dans le contexte. N'invente ni statistique, ni fonctionnalité d'Instagram, ni conseil qui n'y figure pas.
- Cite chaque extrait que tu utilises par son identifiant, sous la forme [doc:ID], juste après l'information qu'il appuie.
- Si les extraits ne couvrent pas la question, dis-le franchement (« Ce sujet n'est pas encore dans notre base de connaissances ») et propose de transmettre la demande à l'équipe.
- Réponds en français, ou dans la langue du visiteur s'il écrit dans une autre langue.

Style : chaleureuse, enthousiaste et encourageante, comme une amie qui s'y connaît. Utilise des emojis avec naturel (✨📸🎬💡, sans en abuser : deux ou trois par réponse), des phrases courtes et des idées concrètes que la visiteuse peut appliquer tout de suite.$prompt$,
   null, 0.6,
   'Chaleureuse et enthousiaste ; répond avec des emojis (deux ou trois par réponse), tutoiement bienvenu si le visiteur tutoie.',
   'Coucou, moi c''est Carole ! ✨ Instagram, reels, stories ou visuels : dis-moi tout, on va faire briller ton contenu 📸')
on conflict do nothing;

-- Boutique Awa's live-sale catalog (prices in XOF, integers: XOF has no minor unit), its delivery
-- zones around Dakar and fees. The Kimono imprimé is the last one (stock 1): the demo's race.
insert into public.products (id, company_id, name, description, variants, price, stock, aliases)
values
  ('e0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000002', 'Robe wax',
   'Robe longue en wax, coupe évasée.', '{"taille": ["S", "M", "L", "XL"], "couleur": ["rouge", "bleue", "jaune"]}', 15000, 20,
   '{robe, robes, "robe en wax"}'),
  ('e0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000002', 'Boubou brodé',
   'Grand boubou brodé main, bazin riche.', '{"taille": ["M", "L", "XL"], "couleur": ["blanc", "bleu ciel", "bordeaux"]}', 35000, 8,
   '{boubou, boubous, "grand boubou"}'),
  ('e0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000002', 'Ensemble bazin',
   'Ensemble deux pièces en bazin.', '{"taille": ["S", "M", "L"]}', 25000, 10,
   '{ensemble, bazin, "deux pieces"}'),
  ('e0000000-0000-4000-8000-000000000004', 'c0000000-0000-4000-8000-000000000002', 'Kimono imprimé',
   'Kimono léger imprimé, taille unique.', '{}', 12000, 1,
   '{kimono, kimonos}'),
  ('e0000000-0000-4000-8000-000000000005', 'c0000000-0000-4000-8000-000000000002', 'Sac en cuir',
   'Sac à main en cuir tressé.', '{"couleur": ["noir", "marron", "camel"]}', 18000, 6,
   '{sac, sacs, "sac a main"}'),
  ('e0000000-0000-4000-8000-000000000006', 'c0000000-0000-4000-8000-000000000002', 'Sandales tressées',
   'Sandales plates en cuir tressé.', '{"pointure": ["37", "38", "39", "40", "41"]}', 9000, 15,
   '{sandales, sandale, nu-pieds}'),
  ('e0000000-0000-4000-8000-000000000007', 'c0000000-0000-4000-8000-000000000002', 'Foulard en soie',
   'Foulard carré en soie imprimée.', '{"couleur": ["vert", "orange", "violet"]}', 5000, 30,
   '{foulard, foulards, "mouchoir de tete"}'),
  ('e0000000-0000-4000-8000-000000000008', 'c0000000-0000-4000-8000-000000000002', 'Pagne tissé',
   'Pagne tissé main (2 mètres).', '{}', 7500, null,
   '{pagne, pagnes}'),
  ('e0000000-0000-4000-8000-000000000009', 'c0000000-0000-4000-8000-000000000002', 'Chemise homme wax',
   'Chemise manches courtes en wax.', '{"taille": ["M", "L", "XL", "XXL"]}', 12500, 12,
   '{chemise, chemises}'),
  ('e0000000-0000-4000-8000-000000000010', 'c0000000-0000-4000-8000-000000000002', 'Collier perles',
   'Collier de perles de verre faites main.', '{}', 4000, 25,
   '{collier, colliers, perles}'),
  ('e0000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000002', 'Jupe plissée',
   'Jupe midi plissée.', '{"taille": ["S", "M", "L"], "couleur": ["noire", "beige"]}', 11000, 9,
   '{jupe, jupes}'),
  ('e0000000-0000-4000-8000-000000000012', 'c0000000-0000-4000-8000-000000000002', 'Parfum Thiouraye',
   'Encens thiouraye traditionnel, pot de 250 g.', '{}', 6000, 40,
   '{thiouraye, encens, parfum}')
on conflict do nothing;

insert into public.delivery_zones (id, company_id, name, aliases, fee)
values
  ('f0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000002', 'Dakar Plateau', '{plateau, "dakar plateau", "centre-ville"}', 1500),
  ('f0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000002', 'Médina', '{medina}', 1500),
  ('f0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000002', 'Parcelles Assainies', '{parcelles, pa, "les parcelles"}', 2000),
  ('f0000000-0000-4000-8000-000000000004', 'c0000000-0000-4000-8000-000000000002', 'Pikine', '{pikine}', 2500),
  ('f0000000-0000-4000-8000-000000000005', 'c0000000-0000-4000-8000-000000000002', 'Guédiawaye', '{guediawaye, golf}', 2500),
  ('f0000000-0000-4000-8000-000000000006', 'c0000000-0000-4000-8000-000000000002', 'Rufisque', '{rufisque}', 3000),
  ('f0000000-0000-4000-8000-000000000007', 'c0000000-0000-4000-8000-000000000002', 'Almadies', '{almadies, ngor}', 2000),
  ('f0000000-0000-4000-8000-000000000008', 'c0000000-0000-4000-8000-000000000002', 'Keur Massar', '{keur massar, "keur-massar"}', 3000)
on conflict do nothing;
