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

-- Atelier Durand (the business assistant's demo company): 40 clients, quotes, invoices, tasks, projects,
-- appointments this week, follow-ups and inbox threads. Generated by hand-written rules (the labelled set's
-- expected facts come from the same definitions); dates are relative to the day the seed first runs, the
-- week's appointments to its Monday (Europe/Paris). Inserted once: edits through the app are kept.

insert into public.clients (id, company_id, name, email, phone, city, created_at)
values
  ('a513eaa3-fd87-41c9-8b56-9a035aa5ddda', 'c0000000-0000-4000-8000-000000000003', $$Jean Dupont$$, 'jean.dupont@exemple.fr', '06 10 20 30 40', 'Lyon', now() - interval '120 days'),
  ('aac89bc3-fbe4-40fc-8f1a-dbbb1d55fc7b', 'c0000000-0000-4000-8000-000000000003', $$Marie Lefèvre$$, 'marie.lefevre@exemple.fr', '06 11 21 31 41', 'Villeurbanne', now() - interval '117 days'),
  ('b9a9bb5a-07a5-489f-8292-a6261f80e053', 'c0000000-0000-4000-8000-000000000003', $$Marie Lefebvre$$, 'marie.lefebvre@exemple.fr', '06 12 22 32 42', 'Bron', now() - interval '114 days'),
  ('8f808510-5c2e-4812-8e00-4bad501ecedd', 'c0000000-0000-4000-8000-000000000003', $$Élodie Bérard$$, 'elodie.berard@exemple.fr', '06 13 23 33 43', 'Vénissieux', now() - interval '111 days'),
  ('3a86dd99-dfc9-4dac-8b50-7c352f539e79', 'c0000000-0000-4000-8000-000000000003', $$François Lemaître$$, 'francois.lemaitre@exemple.fr', '06 14 24 34 44', 'Caluire-et-Cuire', now() - interval '108 days'),
  ('e6a87444-2809-4b2b-80ab-fca145c87817', 'c0000000-0000-4000-8000-000000000003', $$Hélène Garçon$$, 'helene.garcon@exemple.fr', '06 15 25 35 45', 'Écully', now() - interval '105 days'),
  ('f01ae344-fc1e-450a-88a7-95aa59cd2b5b', 'c0000000-0000-4000-8000-000000000003', $$Benoît Mercier$$, 'benoit.mercier@exemple.fr', '06 16 26 36 46', 'Oullins', now() - interval '102 days'),
  ('0efcc364-834d-47d6-89db-2dc80cd31d52', 'c0000000-0000-4000-8000-000000000003', $$Chloé Fontaine$$, 'chloe.fontaine@exemple.fr', '06 17 27 37 47', 'Saint-Priest', now() - interval '99 days'),
  ('f420e199-765d-43b6-8adc-c9c64bebb822', 'c0000000-0000-4000-8000-000000000003', $$Gaëlle Rousseau$$, 'gaelle.rousseau@exemple.fr', '06 18 28 38 48', 'Lyon', now() - interval '96 days'),
  ('4b170927-7712-4db3-80e7-19e3e8a95d3a', 'c0000000-0000-4000-8000-000000000003', $$Jérôme Caron$$, 'jerome.caron@exemple.fr', '06 19 29 39 49', 'Villeurbanne', now() - interval '93 days'),
  ('c30ab86d-b073-41e3-83f8-25b2271ddbd5', 'c0000000-0000-4000-8000-000000000003', $$Zoé Marchand$$, 'zoe.marchand@exemple.fr', '06 20 30 40 50', 'Bron', now() - interval '90 days'),
  ('345ffd38-07df-4c4b-81c2-f0c13b31b4c0', 'c0000000-0000-4000-8000-000000000003', $$Noël Dubois$$, 'noel.dubois@exemple.fr', '06 21 31 41 51', 'Vénissieux', now() - interval '87 days'),
  ('fb7f42f6-4884-41b9-806f-93bdbf2f102f', 'c0000000-0000-4000-8000-000000000003', $$Léa Gauthier$$, 'lea.gauthier@exemple.fr', '06 22 32 42 52', 'Caluire-et-Cuire', now() - interval '84 days'),
  ('1d38d43d-3b21-490d-8abe-d07bf4bac71f', 'c0000000-0000-4000-8000-000000000003', $$Raphaël Perrin$$, 'raphael.perrin@exemple.fr', '06 23 33 43 53', 'Écully', now() - interval '81 days'),
  ('687a3cbe-ed46-4066-8d76-f81bb98b6b92', 'c0000000-0000-4000-8000-000000000003', $$Cécile Roux$$, 'cecile.roux@exemple.fr', '06 24 34 44 54', 'Oullins', now() - interval '78 days'),
  ('5713af26-0ce6-4421-8b56-e462bf74e2e8', 'c0000000-0000-4000-8000-000000000003', $$Thérèse Morel$$, 'therese.morel@exemple.fr', '06 25 35 45 55', 'Saint-Priest', now() - interval '75 days'),
  ('45f95df9-7fb3-4f29-8efb-3e0b0f8f4047', 'c0000000-0000-4000-8000-000000000003', $$Sébastien Faure$$, 'sebastien.faure@exemple.fr', '06 26 36 46 56', 'Lyon', now() - interval '72 days'),
  ('6aa81bf1-5af7-4c9a-8d9e-3ae17e354b62', 'c0000000-0000-4000-8000-000000000003', $$Mélanie Girard$$, 'melanie.girard@exemple.fr', '06 27 37 47 57', 'Villeurbanne', now() - interval '69 days'),
  ('862a20b0-3713-4278-801e-dcc6febd5bb3', 'c0000000-0000-4000-8000-000000000003', $$Loïc Bonnet$$, 'loic.bonnet@exemple.fr', '06 28 38 48 58', 'Bron', now() - interval '66 days'),
  ('df90dd56-b223-411a-85a7-4c52cbb87708', 'c0000000-0000-4000-8000-000000000003', $$Anaïs Lambert$$, 'anais.lambert@exemple.fr', '06 29 39 49 59', 'Vénissieux', now() - interval '63 days'),
  ('ce7f2ea1-6839-47ad-8434-f15fcd1138d6', 'c0000000-0000-4000-8000-000000000003', $$Stéphane Fournier$$, 'stephane.fournier@exemple.fr', '06 30 40 50 60', 'Caluire-et-Cuire', now() - interval '60 days'),
  ('ce565a33-9328-47dc-83ed-ddb549b681b2', 'c0000000-0000-4000-8000-000000000003', $$Agnès Chevalier$$, 'agnes.chevalier@exemple.fr', '06 31 41 51 61', 'Écully', now() - interval '57 days'),
  ('6178f385-a8c2-4d75-8e2d-74519e3c96b6', 'c0000000-0000-4000-8000-000000000003', $$Rémi Blanc$$, 'remi.blanc@exemple.fr', '06 32 42 52 62', 'Oullins', now() - interval '54 days'),
  ('6121de65-1f92-4ee9-831d-49d415ed2c7e', 'c0000000-0000-4000-8000-000000000003', $$Inès Guérin$$, 'ines.guerin@exemple.fr', '06 33 43 53 63', 'Saint-Priest', now() - interval '51 days'),
  ('425224d0-5cf7-42b4-8b90-8319b5b06909', 'c0000000-0000-4000-8000-000000000003', $$Jérémy Muller$$, 'jeremy.muller@exemple.fr', '06 34 44 54 64', 'Lyon', now() - interval '48 days'),
  ('6571b545-1911-48d3-85bc-d3878e08e38b', 'c0000000-0000-4000-8000-000000000003', $$Amélie Henry$$, 'amelie.henry@exemple.fr', '06 35 45 55 65', 'Villeurbanne', now() - interval '45 days'),
  ('efd86fd0-ee0b-494d-8ce7-64e8d3f183f6', 'c0000000-0000-4000-8000-000000000003', $$Frédéric Roussel$$, 'frederic.roussel@exemple.fr', '06 36 46 56 66', 'Bron', now() - interval '42 days'),
  ('9c5b9fa8-d576-473e-85d3-f23fd51a13d5', 'c0000000-0000-4000-8000-000000000003', $$Maëlle Nicolas$$, 'maelle.nicolas@exemple.fr', '06 37 47 57 67', 'Vénissieux', now() - interval '39 days'),
  ('8be952b0-a8d7-48e5-8aa2-c785ce76786a', 'c0000000-0000-4000-8000-000000000003', $$Hervé Picard$$, 'herve.picard@exemple.fr', '06 38 48 58 68', 'Caluire-et-Cuire', now() - interval '36 days'),
  ('c7d64019-c476-44bb-80d1-a83aa4df7d4b', 'c0000000-0000-4000-8000-000000000003', $$Océane Leroux$$, 'oceane.leroux@exemple.fr', '06 39 49 59 69', 'Écully', now() - interval '33 days'),
  ('78840eec-ee3c-425c-8242-e82f426d73e3', 'c0000000-0000-4000-8000-000000000003', $$Aurélien Colin$$, 'aurelien.colin@exemple.fr', '06 40 50 60 70', 'Oullins', now() - interval '30 days'),
  ('9ffdaf66-b5c3-43d4-8ad1-0667a22a954f', 'c0000000-0000-4000-8000-000000000003', $$Clémence Vidal$$, 'clemence.vidal@exemple.fr', '06 41 51 61 71', 'Saint-Priest', now() - interval '27 days'),
  ('3fd685c5-df29-43b5-8a84-fd27e05f568f', 'c0000000-0000-4000-8000-000000000003', $$Grégoire André$$, 'gregoire.andre@exemple.fr', '06 42 52 62 72', 'Lyon', now() - interval '24 days'),
  ('f73cded5-be83-46ac-8e18-53fb33b0c5a0', 'c0000000-0000-4000-8000-000000000003', $$Joséphine Renaud$$, 'josephine.renaud@exemple.fr', '06 43 53 63 73', 'Villeurbanne', now() - interval '21 days'),
  ('8bcba789-c586-44e5-8ec1-1c0841134e8c', 'c0000000-0000-4000-8000-000000000003', $$Mathéo Brunet$$, 'matheo.brunet@exemple.fr', '06 44 54 64 74', 'Bron', now() - interval '18 days'),
  ('09a57c81-db95-4740-8b15-3749f034c4f3', 'c0000000-0000-4000-8000-000000000003', $$Ségolène Gérard$$, 'segolene.gerard@exemple.fr', '06 45 55 65 75', 'Vénissieux', now() - interval '15 days'),
  ('057141d3-87f8-47f2-8716-e9271948e9d0', 'c0000000-0000-4000-8000-000000000003', $$Boulangerie Pâtisserie Martin$$, 'boulangerie.patisserie.martin@exemple.fr', '06 46 56 66 76', 'Caluire-et-Cuire', now() - interval '12 days'),
  ('db096105-94cd-4952-878c-f1091ddf2619', 'c0000000-0000-4000-8000-000000000003', $$SARL Bâtiment Leclerc$$, 'sarl.batiment.leclerc@exemple.fr', '06 47 57 67 77', 'Écully', now() - interval '9 days'),
  ('b3b0e910-797a-4d58-8e44-e52e9cebb80d', 'c0000000-0000-4000-8000-000000000003', $$Café de la Gare$$, 'cafe.de.la.gare@exemple.fr', '06 48 58 68 78', 'Oullins', now() - interval '6 days'),
  ('05c40c82-3f5b-4376-84cc-51fa6ac5689a', 'c0000000-0000-4000-8000-000000000003', $$Hôtel du Lac$$, 'hotel.du.lac@exemple.fr', '06 49 59 69 79', 'Saint-Priest', now() - interval '3 days')
on conflict do nothing;

insert into public.quotes (id, company_id, client_id, number, title, amount, status, valid_until, created_at)
values
  ('15a15d95-87af-41aa-8599-464ac058354b', 'c0000000-0000-4000-8000-000000000003', 'a513eaa3-fd87-41c9-8b56-9a035aa5ddda', 'DEV-2026-001', $$Rénovation cuisine$$, 1250.00, 'pending', current_date + 30, now() - interval '12 days'),
  ('302563a7-732f-4655-8167-7f6f35b21404', 'c0000000-0000-4000-8000-000000000003', '8f808510-5c2e-4812-8e00-4bad501ecedd', 'DEV-2026-002', $$Pose de parquet$$, 3480.50, 'pending', current_date + 27, now() - interval '11 days'),
  ('5d86e9bd-f266-4291-80fe-e5c00ea75dfd', 'c0000000-0000-4000-8000-000000000003', 'f01ae344-fc1e-450a-88a7-95aa59cd2b5b', 'DEV-2026-003', $$Réparation volets$$, 890.00, 'pending', current_date + 24, now() - interval '10 days'),
  ('34c088d0-dbe3-4362-876b-f5cb425f146a', 'c0000000-0000-4000-8000-000000000003', '4b170927-7712-4db3-80e7-19e3e8a95d3a', 'DEV-2026-004', $$Agencement boutique$$, 5200.00, 'pending', current_date + 21, now() - interval '9 days'),
  ('ae04742b-1b10-4519-833d-a58f58a996db', 'c0000000-0000-4000-8000-000000000003', 'fb7f42f6-4884-41b9-806f-93bdbf2f102f', 'DEV-2026-005', $$Peinture bureaux$$, 2150.75, 'pending', current_date + 18, now() - interval '8 days'),
  ('b320bf06-c2d0-46cd-892e-56f1a2a28503', 'c0000000-0000-4000-8000-000000000003', '5713af26-0ce6-4421-8b56-e462bf74e2e8', 'DEV-2026-006', $$Meuble sur mesure$$, 1800.00, 'accepted', current_date + 15, now() - interval '7 days'),
  ('66a17052-d3f6-4819-8b42-a5b3ecc6fee4', 'c0000000-0000-4000-8000-000000000003', '862a20b0-3713-4278-801e-dcc6febd5bb3', 'DEV-2026-007', $$Porte d'entrée$$, 960.00, 'accepted', current_date + 12, now() - interval '6 days'),
  ('9e6b1443-4229-4cf4-8eba-6aab2f261a0d', 'c0000000-0000-4000-8000-000000000003', 'ce565a33-9328-47dc-83ed-ddb549b681b2', 'DEV-2026-008', $$Dressing$$, 4300.00, 'accepted', current_date + 9, now() - interval '5 days'),
  ('b52f1a87-f074-4225-8cd7-adcd61165fd1', 'c0000000-0000-4000-8000-000000000003', '425224d0-5cf7-42b4-8b90-8319b5b06909', 'DEV-2026-009', $$Étagères$$, 720.00, 'accepted', current_date + 6, now() - interval '4 days'),
  ('4dc9cf0e-3137-4e11-8a6b-0449771bddd6', 'c0000000-0000-4000-8000-000000000003', '9c5b9fa8-d576-473e-85d3-f23fd51a13d5', 'DEV-2026-010', $$Escalier$$, 1500.00, 'rejected', current_date + 3, now() - interval '3 days'),
  ('0ebdb02b-a835-4dd4-838a-8fe7cc657eac', 'c0000000-0000-4000-8000-000000000003', '78840eec-ee3c-425c-8242-e82f426d73e3', 'DEV-2026-011', $$Terrasse bois$$, 2600.00, 'rejected', current_date + 0, now() - interval '2 days'),
  ('71c1d476-4971-47b2-8d65-e28a4333e53f', 'c0000000-0000-4000-8000-000000000003', 'f73cded5-be83-46ac-8e18-53fb33b0c5a0', 'DEV-2026-012', $$Placard$$, 450.00, 'draft', current_date + -3, now() - interval '1 days')
on conflict do nothing;

insert into public.invoices (id, company_id, client_id, number, amount, status, issue_date, due_date, created_at)
values
  ('2570c1d1-8fe7-4358-8cf6-13dd167cf771', 'c0000000-0000-4000-8000-000000000003', 'aac89bc3-fbe4-40fc-8f1a-dbbb1d55fc7b', 'FAC-2026-001', 640.00, 'paid', current_date - 60, current_date - 30, now() - interval '31 days'),
  ('bb55d799-18ce-4ad5-82db-f7dd8097baac', 'c0000000-0000-4000-8000-000000000003', 'f420e199-765d-43b6-8adc-c9c64bebb822', 'FAC-2026-002', 1820.00, 'paid', current_date - 59, current_date - 30, now() - interval '30 days'),
  ('a84587f4-b4fa-4e0c-81cf-7b1b465e41fb', 'c0000000-0000-4000-8000-000000000003', '5713af26-0ce6-4421-8b56-e462bf74e2e8', 'FAC-2026-003', 975.50, 'paid', current_date - 58, current_date - 30, now() - interval '29 days'),
  ('ad07d7dc-13bb-4937-8b6d-15ec9dd0f39e', 'c0000000-0000-4000-8000-000000000003', '6178f385-a8c2-4d75-8e2d-74519e3c96b6', 'FAC-2026-004', 2300.00, 'paid', current_date - 57, current_date - 30, now() - interval '28 days'),
  ('4e7c7b80-ee2c-4f39-8016-6a6c5be173a2', 'c0000000-0000-4000-8000-000000000003', 'c7d64019-c476-44bb-80d1-a83aa4df7d4b', 'FAC-2026-005', 410.00, 'paid', current_date - 56, current_date - 30, now() - interval '27 days'),
  ('d0304a28-1f2e-41da-8184-fe8ac47919d1', 'c0000000-0000-4000-8000-000000000003', '057141d3-87f8-47f2-8716-e9271948e9d0', 'FAC-2026-006', 1290.00, 'paid', current_date - 55, current_date - 30, now() - interval '26 days'),
  ('5da2f294-733b-4471-855e-80008a6d4949', 'c0000000-0000-4000-8000-000000000003', '8f808510-5c2e-4812-8e00-4bad501ecedd', 'FAC-2026-007', 3150.00, 'paid', current_date - 54, current_date - 30, now() - interval '25 days'),
  ('f1d32bcd-a8a1-415a-8fb3-75367094c409', 'c0000000-0000-4000-8000-000000000003', 'c30ab86d-b073-41e3-83f8-25b2271ddbd5', 'FAC-2026-008', 780.25, 'paid', current_date - 53, current_date - 30, now() - interval '24 days'),
  ('e8e542e7-41c2-4cac-8d7e-99a7c333c874', 'c0000000-0000-4000-8000-000000000003', '6aa81bf1-5af7-4c9a-8d9e-3ae17e354b62', 'FAC-2026-009', 560.00, 'paid', current_date - 52, current_date - 30, now() - interval '23 days'),
  ('c27957d4-bac5-4d48-81a6-9d1acb3cc638', 'c0000000-0000-4000-8000-000000000003', '425224d0-5cf7-42b4-8b90-8319b5b06909', 'FAC-2026-010', 1430.00, 'paid', current_date - 51, current_date - 30, now() - interval '22 days'),
  ('8ad39bff-1fb1-4ff5-8daf-6ddd2051ad8b', 'c0000000-0000-4000-8000-000000000003', '9ffdaf66-b5c3-43d4-8ad1-0667a22a954f', 'FAC-2026-011', 2890.00, 'paid', current_date - 50, current_date - 30, now() - interval '21 days'),
  ('c80252c1-661d-4965-8053-75798c470a11', 'c0000000-0000-4000-8000-000000000003', 'b3b0e910-797a-4d58-8e44-e52e9cebb80d', 'FAC-2026-012', 690.00, 'paid', current_date - 49, current_date - 30, now() - interval '20 days'),
  ('ca4418e8-b1bf-4c8c-8d62-aa6c4006626c', 'c0000000-0000-4000-8000-000000000003', 'e6a87444-2809-4b2b-80ab-fca145c87817', 'FAC-2026-013', 1175.00, 'paid', current_date - 48, current_date - 30, now() - interval '19 days'),
  ('b15b4837-8d5e-42fe-8c81-63b56b47ab87', 'c0000000-0000-4000-8000-000000000003', 'fb7f42f6-4884-41b9-806f-93bdbf2f102f', 'FAC-2026-014', 845.00, 'paid', current_date - 47, current_date - 30, now() - interval '18 days'),
  ('22585971-5d2b-4428-8c30-f51fae83d4aa', 'c0000000-0000-4000-8000-000000000003', 'df90dd56-b223-411a-85a7-4c52cbb87708', 'FAC-2026-015', 2045.00, 'paid', current_date - 46, current_date - 30, now() - interval '17 days'),
  ('0ba481df-3a93-4f64-8959-8ffb993c6785', 'c0000000-0000-4000-8000-000000000003', 'efd86fd0-ee0b-494d-8ce7-64e8d3f183f6', 'FAC-2026-016', 330.00, 'paid', current_date - 45, current_date - 30, now() - interval '16 days'),
  ('57e3c9f5-09bc-491d-8142-bdf45a5b128f', 'c0000000-0000-4000-8000-000000000003', 'f73cded5-be83-46ac-8e18-53fb33b0c5a0', 'FAC-2026-017', 1560.00, 'paid', current_date - 44, current_date - 30, now() - interval '15 days'),
  ('3488eaa0-915e-417d-8d09-1308bfa5fd91', 'c0000000-0000-4000-8000-000000000003', 'a513eaa3-fd87-41c9-8b56-9a035aa5ddda', 'FAC-2026-018', 920.00, 'paid', current_date - 43, current_date - 30, now() - interval '14 days'),
  ('4cf97de6-efbc-43b6-87d4-0438cc4d8f73', 'c0000000-0000-4000-8000-000000000003', '0efcc364-834d-47d6-89db-2dc80cd31d52', 'FAC-2026-019', 1840.00, 'pending', current_date - 42, current_date - 12, now() - interval '13 days'),
  ('b24362f0-4b5c-41cc-8987-e218d690c18b', 'c0000000-0000-4000-8000-000000000003', '687a3cbe-ed46-4066-8d76-f81bb98b6b92', 'FAC-2026-020', 2750.00, 'pending', current_date - 41, current_date - 12, now() - interval '12 days'),
  ('cce949a5-e7f1-44de-8249-eb52fe2f1816', 'c0000000-0000-4000-8000-000000000003', 'ce565a33-9328-47dc-83ed-ddb549b681b2', 'FAC-2026-021', 615.50, 'pending', current_date - 40, current_date - 12, now() - interval '11 days'),
  ('c2cccaf7-94a4-487e-893b-a6d806fe4a50', 'c0000000-0000-4000-8000-000000000003', '8be952b0-a8d7-48e5-8aa2-c785ce76786a', 'FAC-2026-022', 1320.00, 'pending', current_date - 39, current_date - 12, now() - interval '10 days'),
  ('a4dda0ea-c7aa-4c86-81ba-cb6f7b7525ad', 'c0000000-0000-4000-8000-000000000003', '09a57c81-db95-4740-8b15-3749f034c4f3', 'FAC-2026-023', 3900.00, 'pending', current_date - 38, current_date + 20, now() - interval '9 days'),
  ('326ed242-2038-46b7-8114-0827727e0d20', 'c0000000-0000-4000-8000-000000000003', 'b9a9bb5a-07a5-489f-8292-a6261f80e053', 'FAC-2026-024', 1080.00, 'pending', current_date - 37, current_date + 20, now() - interval '8 days'),
  ('d0144c17-70e0-4404-87b9-33d06d2567f1', 'c0000000-0000-4000-8000-000000000003', '4b170927-7712-4db3-80e7-19e3e8a95d3a', 'FAC-2026-025', 455.00, 'pending', current_date - 36, current_date + 20, now() - interval '7 days'),
  ('c9cf6f49-010f-49cb-8e63-e5fb9f157d53', 'c0000000-0000-4000-8000-000000000003', '45f95df9-7fb3-4f29-8efb-3e0b0f8f4047', 'FAC-2026-026', 2210.00, 'pending', current_date - 35, current_date + 20, now() - interval '6 days'),
  ('7c86ad07-55de-4894-8e77-0a4e95379a8e', 'c0000000-0000-4000-8000-000000000003', '6121de65-1f92-4ee9-831d-49d415ed2c7e', 'FAC-2026-027', 1690.00, 'pending', current_date - 34, current_date + 20, now() - interval '5 days'),
  ('850029c3-61ea-45c0-889e-d6a673230bf5', 'c0000000-0000-4000-8000-000000000003', '78840eec-ee3c-425c-8242-e82f426d73e3', 'FAC-2026-028', 800.00, 'draft', current_date - 33, current_date - 30, now() - interval '4 days'),
  ('cd1e17d3-71a5-4008-8ea0-bd6d96f78021', 'c0000000-0000-4000-8000-000000000003', 'db096105-94cd-4952-878c-f1091ddf2619', 'FAC-2026-029', 1200.00, 'draft', current_date - 32, current_date - 30, now() - interval '3 days'),
  ('07396b97-b332-42d6-857b-11f7c5ac130f', 'c0000000-0000-4000-8000-000000000003', '3a86dd99-dfc9-4dac-8b50-7c352f539e79', 'FAC-2026-030', 999.00, 'cancelled', current_date - 31, current_date - 30, now() - interval '2 days')
on conflict do nothing;

insert into public.tasks (id, company_id, title, status, priority, due_date, completed_at, created_at)
values
  ('5ecc238a-8901-4240-8382-037bf3d38c0f', 'c0000000-0000-4000-8000-000000000003', $$Commander le bois pour la cuisine Dupont$$, 'todo', 'urgent', current_date + 1, null, now() - interval '30 days'),
  ('a71a7438-9bfe-4bba-830f-5eddf30e57e1', 'c0000000-0000-4000-8000-000000000003', $$Rappeler l'assurance atelier$$, 'todo', 'urgent', current_date + 0, null, now() - interval '29 days'),
  ('b1318f05-34b0-4f31-87a6-eda6a8709e5f', 'c0000000-0000-4000-8000-000000000003', $$Finir le devis de l'hôtel du Lac$$, 'in_progress', 'urgent', current_date + 2, null, now() - interval '28 days'),
  ('f0b91073-8cad-478f-805e-0e7f0ba3c819', 'c0000000-0000-4000-8000-000000000003', $$Réviser la scie circulaire$$, 'todo', 'high', current_date + 5, null, now() - interval '27 days'),
  ('73b344ee-88f7-4618-8d8b-709ec6bd4a89', 'c0000000-0000-4000-8000-000000000003', $$Préparer la facture Leclerc$$, 'todo', 'high', current_date + 3, null, now() - interval '26 days'),
  ('5ef2cb51-bb04-4e08-8d59-6b3ea54c2b9c', 'c0000000-0000-4000-8000-000000000003', $$Livrer le dressing Fontaine$$, 'in_progress', 'high', current_date + 4, null, now() - interval '25 days'),
  ('5ac51d7b-a834-43ed-8e44-472ac200790e', 'c0000000-0000-4000-8000-000000000003', $$Relancer le fournisseur de quincaillerie$$, 'todo', 'high', current_date + 6, null, now() - interval '24 days'),
  ('b1c40cca-2254-41f6-8d50-50e867501b31', 'c0000000-0000-4000-8000-000000000003', $$Poncer les volets Mercier$$, 'todo', 'normal', current_date + 8, null, now() - interval '23 days'),
  ('abf2181f-a655-48a7-8a37-8b231d7da8ad', 'c0000000-0000-4000-8000-000000000003', $$Ranger l'atelier$$, 'todo', 'low', null, null, now() - interval '22 days'),
  ('57561f62-ba0e-4cd4-83af-186095d5b60d', 'c0000000-0000-4000-8000-000000000003', $$Mettre à jour le site web$$, 'todo', 'normal', null, null, now() - interval '21 days'),
  ('c0272c9e-7788-44ef-848f-2c54a6268edd', 'c0000000-0000-4000-8000-000000000003', $$Acheter des vis inox$$, 'todo', 'normal', current_date + 10, null, now() - interval '20 days'),
  ('1d1c55fc-bf92-4929-85a8-25da6aa9a6e1', 'c0000000-0000-4000-8000-000000000003', $$Prendre les cotes chez Caron$$, 'todo', 'normal', current_date + 7, null, now() - interval '19 days'),
  ('b9a07328-0c43-4e3a-8e77-53f777b4860a', 'c0000000-0000-4000-8000-000000000003', $$Vernir l'escalier$$, 'in_progress', 'normal', current_date + 9, null, now() - interval '18 days'),
  ('25c6f5e0-daf7-4270-84bb-dc5b11c71a99', 'c0000000-0000-4000-8000-000000000003', $$Monter les étagères Gauthier$$, 'in_progress', 'normal', current_date + 12, null, now() - interval '17 days'),
  ('04891909-5732-4e87-861b-2232af3c185c', 'c0000000-0000-4000-8000-000000000003', $$Découper le plan de travail$$, 'in_progress', 'low', current_date + 11, null, now() - interval '16 days'),
  ('a3a40990-f390-4a90-8192-ba487e073ee5', 'c0000000-0000-4000-8000-000000000003', $$Peindre la porte Roux$$, 'in_progress', 'normal', current_date + 14, null, now() - interval '15 days'),
  ('00495c33-7750-4d47-8688-227de9d5caf1', 'c0000000-0000-4000-8000-000000000003', $$Inventaire du stock$$, 'todo', 'low', current_date + 20, null, now() - interval '14 days'),
  ('7b258d83-c116-43c2-8e21-0b33f2313627', 'c0000000-0000-4000-8000-000000000003', $$Livrer la table Morel$$, 'done', 'urgent', current_date + -3, now() - interval '1 days', now() - interval '13 days'),
  ('bbcca04d-dbda-479d-807f-45455134501e', 'c0000000-0000-4000-8000-000000000003', $$Poser le parquet Faure$$, 'done', 'high', current_date + -5, now() - interval '2 days', now() - interval '12 days'),
  ('1ddcf171-8982-498c-8d1e-fd040195806c', 'c0000000-0000-4000-8000-000000000003', $$Facturer le placard Girard$$, 'done', 'normal', current_date + -2, now() - interval '3 days', now() - interval '11 days'),
  ('efc29f08-5ad7-44c5-8f2f-1c136a48338e', 'c0000000-0000-4000-8000-000000000003', $$Changer la lame de la raboteuse$$, 'done', 'normal', current_date + -8, now() - interval '4 days', now() - interval '10 days'),
  ('2cc953d2-2692-4588-88f0-ffbfd6e86a9f', 'c0000000-0000-4000-8000-000000000003', $$Envoyer les photos du chantier$$, 'done', 'low', current_date + -1, now() - interval '5 days', now() - interval '9 days'),
  ('d09f9e93-eada-45cb-8ef7-a1ab663b06c1', 'c0000000-0000-4000-8000-000000000003', $$Réparer la chaise Bonnet$$, 'done', 'normal', current_date + -6, now() - interval '6 days', now() - interval '8 days'),
  ('cc97211d-fbbb-499b-8e38-73def2f69fae', 'c0000000-0000-4000-8000-000000000003', $$Nettoyer le camion$$, 'done', 'low', current_date + -4, now() - interval '7 days', now() - interval '7 days'),
  ('f0bb51c6-6461-4062-867a-c7d5f7e4bdbe', 'c0000000-0000-4000-8000-000000000003', $$Commander la peinture$$, 'done', 'normal', current_date + -7, now() - interval '8 days', now() - interval '6 days')
on conflict do nothing;

insert into public.projects (id, company_id, client_id, name, status, progress, start_date, end_date)
values
  ('a6402276-932d-4fd5-8243-4e012d736094', 'c0000000-0000-4000-8000-000000000003', 'a513eaa3-fd87-41c9-8b56-9a035aa5ddda', $$Cuisine Dupont$$, 'active', 60, current_date - 40, current_date + 20),
  ('6c4c8dea-e0e5-45ed-842b-436e6f65198b', 'c0000000-0000-4000-8000-000000000003', '057141d3-87f8-47f2-8716-e9271948e9d0', $$Agencement boutique Martin$$, 'active', 35, current_date - 38, current_date + 25),
  ('d77dfa69-222d-442b-8c30-8ab6281890a8', 'c0000000-0000-4000-8000-000000000003', '4b170927-7712-4db3-80e7-19e3e8a95d3a', $$Escalier Caron$$, 'active', 80, current_date - 36, current_date + 30),
  ('73d89693-a40d-45a3-8afd-fb0c7e338aa8', 'c0000000-0000-4000-8000-000000000003', '05c40c82-3f5b-4376-84cc-51fa6ac5689a', $$Terrasse Hôtel du Lac$$, 'active', 10, current_date - 34, current_date + 35),
  ('737f9ed6-3de1-43c8-8b2f-bff32fa1001f', 'c0000000-0000-4000-8000-000000000003', '0efcc364-834d-47d6-89db-2dc80cd31d52', $$Dressing Fontaine$$, 'active', 90, current_date - 32, current_date + 40),
  ('3b7587b6-9cf0-4ea9-8617-aea0d04ee1c1', 'c0000000-0000-4000-8000-000000000003', 'db096105-94cd-4952-878c-f1091ddf2619', $$Bureaux Leclerc$$, 'on_hold', 20, current_date - 30, current_date + 45),
  ('c4756e4f-a25d-4ac4-85e9-b589f5fd08fc', 'c0000000-0000-4000-8000-000000000003', '45f95df9-7fb3-4f29-8efb-3e0b0f8f4047', $$Parquet Faure$$, 'completed', 100, current_date - 28, current_date + 50),
  ('f92372db-c085-42b7-82ad-6729cda6f45e', 'c0000000-0000-4000-8000-000000000003', '5713af26-0ce6-4421-8b56-e462bf74e2e8', $$Table Morel$$, 'completed', 100, current_date - 26, current_date + 55)
on conflict do nothing;

insert into public.appointments (id, company_id, client_id, subject, scheduled_date, duration_minutes, location, status)
values
  ('c2f752a9-51af-4cec-8a87-659f6b18120c', 'c0000000-0000-4000-8000-000000000003', 'a513eaa3-fd87-41c9-8b56-9a035aa5ddda', $$Métré cuisine$$, (date_trunc('week', (now() at time zone 'Europe/Paris')::date::timestamp) + interval '0 days' + time '09:00') at time zone 'Europe/Paris', 60, 'Lyon', 'scheduled'),
  ('d5929cfd-e381-4403-860b-91c7d5e03de0', 'c0000000-0000-4000-8000-000000000003', '05c40c82-3f5b-4376-84cc-51fa6ac5689a', $$Rendez-vous devis terrasse$$, (date_trunc('week', (now() at time zone 'Europe/Paris')::date::timestamp) + interval '1 days' + time '14:00') at time zone 'Europe/Paris', 60, 'Lyon', 'scheduled'),
  ('f7b114d5-618e-4720-8e39-15abf11cb1fb', 'c0000000-0000-4000-8000-000000000003', '0efcc364-834d-47d6-89db-2dc80cd31d52', $$Livraison dressing$$, (date_trunc('week', (now() at time zone 'Europe/Paris')::date::timestamp) + interval '2 days' + time '10:30') at time zone 'Europe/Paris', 60, 'Lyon', 'scheduled'),
  ('9def7111-0431-4d9c-8b53-1e0d0b6591fa', 'c0000000-0000-4000-8000-000000000003', '4b170927-7712-4db3-80e7-19e3e8a95d3a', $$Point chantier escalier$$, (date_trunc('week', (now() at time zone 'Europe/Paris')::date::timestamp) + interval '3 days' + time '16:00') at time zone 'Europe/Paris', 60, 'Lyon', 'scheduled'),
  ('8a7edb69-b875-4d78-836b-f755388f1a5e', 'c0000000-0000-4000-8000-000000000003', '057141d3-87f8-47f2-8716-e9271948e9d0', $$Présentation des plans boutique$$, (date_trunc('week', (now() at time zone 'Europe/Paris')::date::timestamp) + interval '4 days' + time '11:00') at time zone 'Europe/Paris', 60, 'Lyon', 'scheduled'),
  ('67d25be9-4b14-4043-883e-0b87271d282e', 'c0000000-0000-4000-8000-000000000003', 'fb7f42f6-4884-41b9-806f-93bdbf2f102f', $$Visite annulée$$, (date_trunc('week', (now() at time zone 'Europe/Paris')::date::timestamp) + interval '3 days' + time '09:00') at time zone 'Europe/Paris', 60, 'Lyon', 'cancelled'),
  ('4117b1e2-2743-47eb-8977-7f253508cd62', 'c0000000-0000-4000-8000-000000000003', '45f95df9-7fb3-4f29-8efb-3e0b0f8f4047', $$Pose parquet chambre$$, (date_trunc('week', (now() at time zone 'Europe/Paris')::date::timestamp) + interval '8 days' + time '09:30') at time zone 'Europe/Paris', 60, 'Lyon', 'scheduled'),
  ('1d71d01e-e74f-4d2d-84eb-4057f2d9d59c', 'c0000000-0000-4000-8000-000000000003', 'db096105-94cd-4952-878c-f1091ddf2619', $$Signature devis bureaux$$, (date_trunc('week', (now() at time zone 'Europe/Paris')::date::timestamp) + interval '9 days' + time '15:00') at time zone 'Europe/Paris', 60, 'Lyon', 'scheduled')
on conflict do nothing;

insert into public.followups (id, company_id, client_id, subject, type, due_date, status)
values
  ('d35223db-1aef-4c1e-807b-9e4cd4741c5f', 'c0000000-0000-4000-8000-000000000003', '0efcc364-834d-47d6-89db-2dc80cd31d52', $$Relancer la facture FAC-2026-019$$, 'invoice', current_date + -3, 'pending'),
  ('9d157773-a78e-42a1-8a5b-7351cda53fb0', 'c0000000-0000-4000-8000-000000000003', 'a513eaa3-fd87-41c9-8b56-9a035aa5ddda', $$Relancer le devis DEV-2026-001$$, 'quote', current_date + 1, 'pending'),
  ('e1a7d8ce-fb6b-4ab6-8e63-b87224dce904', 'c0000000-0000-4000-8000-000000000003', 'e6a87444-2809-4b2b-80ab-fca145c87817', $$Appeler pour l'avis client$$, 'call', current_date + 2, 'pending'),
  ('ffb4c4d0-3c8e-4a69-80c5-422aa9346a9e', 'c0000000-0000-4000-8000-000000000003', '8f808510-5c2e-4812-8e00-4bad501ecedd', $$Relancer le devis DEV-2026-002$$, 'quote', current_date + 3, 'pending'),
  ('255bdc0d-fd36-4d01-8068-895a62c67cfa', 'c0000000-0000-4000-8000-000000000003', 'f420e199-765d-43b6-8adc-c9c64bebb822', $$Envoyer le catalogue bois$$, 'email', current_date + 4, 'pending'),
  ('97cc9136-6780-4536-8af2-fd90057455f3', 'c0000000-0000-4000-8000-000000000003', '687a3cbe-ed46-4066-8d76-f81bb98b6b92', $$Relancer la facture FAC-2026-020$$, 'invoice', current_date + 5, 'pending'),
  ('c840d381-c99b-4496-8bf1-bdc73e549525', 'c0000000-0000-4000-8000-000000000003', '05c40c82-3f5b-4376-84cc-51fa6ac5689a', $$Rappeler pour la terrasse$$, 'call', current_date + 6, 'pending'),
  ('34d85152-1668-4dae-8f3d-d22980134c85', 'c0000000-0000-4000-8000-000000000003', 'f01ae344-fc1e-450a-88a7-95aa59cd2b5b', $$Relance devis volets$$, 'quote', current_date + -10, 'done'),
  ('c7b52e4e-469c-404f-81ad-f0b38129845d', 'c0000000-0000-4000-8000-000000000003', '4b170927-7712-4db3-80e7-19e3e8a95d3a', $$Merci pour le paiement$$, 'email', current_date + -8, 'done'),
  ('71bb33a9-cc1b-4d72-84d6-ad439cd78bf4', 'c0000000-0000-4000-8000-000000000003', '5713af26-0ce6-4421-8b56-e462bf74e2e8', $$Appel satisfaction$$, 'call', current_date + -5, 'done')
on conflict do nothing;

insert into public.inbox_threads (id, company_id, client_id, subject, last_message_at, unread, urgent, status)
values
  ('7dfb57ac-0d47-4a18-8e2a-c6b35e5921b2', 'c0000000-0000-4000-8000-000000000003', 'a513eaa3-fd87-41c9-8b56-9a035aa5ddda', $$Question sur le devis cuisine$$, now() - interval '1 hours', true, true, 'open'),
  ('cc1f38ef-4591-44d6-820c-6a68176b060f', 'c0000000-0000-4000-8000-000000000003', '3a86dd99-dfc9-4dac-8b50-7c352f539e79', $$Disponibilités en janvier ?$$, now() - interval '6 hours', true, false, 'open'),
  ('56837eae-f9f8-44af-8be4-6652f5b506cf', 'c0000000-0000-4000-8000-000000000003', '0efcc364-834d-47d6-89db-2dc80cd31d52', $$Photos du dressing$$, now() - interval '11 hours', false, false, 'open'),
  ('4e4c662f-519e-4f11-8eb5-000bddd65d23', 'c0000000-0000-4000-8000-000000000003', '1d38d43d-3b21-490d-8abe-d07bf4bac71f', $$Urgent : fuite sous l'évier$$, now() - interval '16 hours', true, true, 'open'),
  ('280f9cc1-94fd-4a41-8319-ca34c943e5ae', 'c0000000-0000-4000-8000-000000000003', '5713af26-0ce6-4421-8b56-e462bf74e2e8', $$Merci pour la table$$, now() - interval '21 hours', false, false, 'open'),
  ('bcc8a6aa-09f3-4a88-8a7d-b0490d61d51a', 'c0000000-0000-4000-8000-000000000003', 'ce7f2ea1-6839-47ad-8434-f15fcd1138d6', $$Facture à corriger$$, now() - interval '26 hours', true, false, 'open'),
  ('cd960e51-c604-42e5-8740-35f53bd56894', 'c0000000-0000-4000-8000-000000000003', '4b170927-7712-4db3-80e7-19e3e8a95d3a', $$Rendez-vous reporté$$, now() - interval '31 hours', false, false, 'open'),
  ('58124f55-0d5f-4967-8dcb-13e5b03016d0', 'c0000000-0000-4000-8000-000000000003', '6571b545-1911-48d3-85bc-d3878e08e38b', $$Demande de devis placard$$, now() - interval '36 hours', false, false, 'open'),
  ('b48d35ac-77a1-4f04-8c7e-a659e12289f3', 'c0000000-0000-4000-8000-000000000003', '78840eec-ee3c-425c-8242-e82f426d73e3', $$Ancienne demande$$, now() - interval '41 hours', true, false, 'closed')
on conflict do nothing;
