-- tag_documents_by_keywords gives an agent the shared chunks matching its keywords, returns
-- exactly how many, leaves other agents' chunks and other companies alone; admins only.
begin;
select plan(18);

select * from tests.two_companies() \gset

insert into public.documents (company_id, source, content, agent_owner)
values
  ('tenant-a', 'tunnel', 'Construire un TUNNEL de vente', 'shared'),
  ('tenant-a', 'kajabi', 'Kajabi et Zapier ensemble', 'shared'),
  ('tenant-a', 'reels', 'Des reels Instagram qui accrochent', 'shared'),
  ('tenant-a', 'funnel', 'Funnel déjà attribué', 'carole'),
  ('tenant-a', 'autre', 'Rien à voir', 'shared'),
  ('tenant-b', 'tunnel', 'Le tunnel de B', 'shared');

select tests.act_as_service_role();

select is(public.tag_documents_by_keywords('audrey', array['%tunnel%', '%funnel%', '%kajabi%'], 'tenant-a'), 2,
  'returns the number of shared chunks it tagged (case-insensitive)');
select results_eq($$select source, agent_owner from public.documents where company_id = 'tenant-a' order by source$$,
  $$values ('autre', 'shared'), ('funnel', 'carole'), ('kajabi', 'audrey'), ('reels', 'shared'), ('tunnel', 'audrey')$$,
  'tags the matching shared chunks and leaves a chunk another agent owns alone');
select is((select agent_owner from public.documents where company_id = 'tenant-b'), 'shared',
  'another company''s matching chunk is left alone when a company is given');
select is(public.tag_documents_by_keywords('audrey', array['%tunnel%', '%kajabi%'], 'tenant-a'), 0,
  'a second run tags nothing more');
select is(public.tag_documents_by_keywords('carole', array['instagram'], :'company_a'), 1,
  'a plain word is matched anywhere in the content (wrapped as %word%), company by uuid');
select is(public.tag_documents_by_keywords('audrey', array[]::text[], 'tenant-a'), 0,
  'no pattern, nothing tagged');
select is(public.tag_documents_by_keywords('audrey', array['%tunnel%']), 1,
  'without a company the service role tags every company''s shared chunks');
select results_eq(
  format($$select agent_owner, chunks::int from private.document_counts where company_id = %L and chunks > 0 order by 1$$, :'company_a'),
  $$values ('audrey', 2), ('carole', 2), ('shared', 1)$$,
  'the per-agent chunk counts follow the tagging');
select throws_ok($$select public.tag_documents_by_keywords('shared', array['%x%'], 'tenant-a')$$,
  '22023', 'tag_documents_by_keywords: invalid agent shared', '''shared'' is not an agent');
select throws_ok($$select public.tag_documents_by_keywords('audrey', array['%x%'], 'no-such-company')$$,
  'P0002', null, 'an unknown company raises P0002');

select tests.reset_role();
update public.documents set agent_owner = 'shared' where company_id = 'tenant-a';
select tests.act_as(:'admin_a');
select is(public.tag_documents_by_keywords('audrey', array['%tunnel%'], 'tenant-a'), 1,
  'an admin of the company tags its chunks');
select throws_ok($$select public.tag_documents_by_keywords('audrey', array['%tunnel%'], 'tenant-b')$$,
  '42501', 'tag_documents_by_keywords: admin of the company required', 'an admin of A cannot tag company B');
select throws_ok($$select public.tag_documents_by_keywords('audrey', array['%tunnel%'])$$,
  '42501', null, 'an admin cannot tag every company at once');
select tests.act_as(:'member_a');
select throws_ok($$select public.tag_documents_by_keywords('audrey', array['%kajabi%'], 'tenant-a')$$,
  '42501', null, 'a plain member cannot tag');
select tests.act_as_anon();
select throws_ok($$select public.tag_documents_by_keywords('audrey', array['%kajabi%'], 'tenant-a')$$,
  '42501', null, 'anon cannot execute tag_documents_by_keywords');

-- The company's own agents decide (no keyword list in the schema): whole words, most mentions win.
select tests.reset_role();
insert into public.agents (company_id, slug, name, keywords, system_prompt)
values
  (:'company_a', 'audrey', 'Audrey', array['tunnel', 'kajabi', 'zapier'], 'Tu es Audrey.'),
  (:'company_a', 'carole', 'Carole', array['insta', 'instagram', 'reels', 'zapier'], 'Tu es Carole.');
insert into public.documents (company_id, source, content)
values ('tenant-a', 'plugin', 'Installer le plugin puis redémarrer');
select tests.act_as_service_role();
select results_eq($$select agent, tagged from public.tag_documents_by_agent_keywords('tenant-a')$$,
  $$values ('audrey', 1), ('carole', 1)$$,
  'tag_documents_by_agent_keywords gives shared chunks to the agent whose keywords they mention most');
select results_eq($$select source, agent_owner from public.documents where company_id = 'tenant-a' order by source$$,
  $$values ('autre', 'shared'), ('funnel', 'shared'), ('kajabi', 'audrey'), ('plugin', 'shared'), ('reels', 'carole'), ('tunnel', 'audrey')$$,
  'Kajabi+Zapier goes to Audrey (two of her words, one of Carole''s); "Installer" is not the word "insta"');
select is((select count(*)::int from public.tag_documents_by_agent_keywords('tenant-b')), 0,
  'a company without agents keeps its chunks shared');

select * from finish();
rollback;
