-- Included by the Botlive pgTAP files (\ir): two companies (tests.two_companies), each with a
-- catalog and zones (the orders are made with tests.botlive_draft / botlive_paid_order).
select * from tests.two_companies() \gset

insert into public.products (company_id, name, variants, price, stock, aliases)
values (:'company_a', 'Robe wax', '{"taille": ["S", "M", "L"]}', 15000, 5, '{robe}'),
       (:'company_a', 'Kimono imprimé', '{}', 12000, 1, '{kimono}'),
       (:'company_a', 'Pagne tissé', '{}', 7500, null, '{pagne}'),
       (:'company_b', 'Sac B', '{}', 9000, 3, '{sac}');
insert into public.delivery_zones (company_id, name, aliases, fee)
values (:'company_a', 'Pikine', '{pikine}', 2500), (:'company_b', 'Thiès', '{thies}', 4000);
select id as robe from public.products where name = 'Robe wax' and company_id = :'company_a' \gset
select id as kimono from public.products where name = 'Kimono imprimé' and company_id = :'company_a' \gset
select id as pagne from public.products where name = 'Pagne tissé' and company_id = :'company_a' \gset
select id as sac_b from public.products where name = 'Sac B' and company_id = :'company_b' \gset
select id as pikine from public.delivery_zones where name = 'Pikine' and company_id = :'company_a' \gset
select id as thies from public.delivery_zones where name = 'Thiès' and company_id = :'company_b' \gset
