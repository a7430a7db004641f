-- Botlive beyond Senegal: a shop sells in one of the eight XOF countries (UEMOA), its
-- companies.country. Delivery phones are E.164 mobiles of those eight countries (which number is
-- a mobile is decided by libphonenumber-js in the function; here, the dial code and the length
-- of each country's numbers), and payments carry the mobile-money methods used there
-- (functions/_shared/botlive/country.ts lists the same).

/**
 * The shop's country: one of the eight XOF countries (ISO 3166 alpha-2), null reading as SN. A
 * setting its admins edit (companies_update_admin decides whose row).
 */
alter table public.companies
  add constraint companies_country_xof
  check (country in ('SN', 'CI', 'ML', 'BF', 'BJ', 'TG', 'NE', 'GW'));
grant update (country) on public.companies to authenticated;

-- A mobile of the eight countries, in E.164: the dial code and that country's number length
-- (SN 9, CI 10, ML 8, BF 8, BJ 10, TG 8, NE 8, GW 9).
alter table public.orders drop constraint orders_customer_phone_format;
alter table public.orders
  add constraint orders_customer_phone_format
  check (customer_phone ~ '^\+(221[0-9]{9}|225[0-9]{10}|223[0-9]{8}|226[0-9]{8}|229[0-9]{10}|228[0-9]{8}|227[0-9]{8}|245[0-9]{9})$');

alter table public.botlive_drafts drop constraint botlive_drafts_phone_format;
alter table public.botlive_drafts
  add constraint botlive_drafts_phone_format
  check (phone ~ '^\+(221[0-9]{9}|225[0-9]{10}|223[0-9]{8}|226[0-9]{8}|229[0-9]{10}|228[0-9]{8}|227[0-9]{8}|245[0-9]{9})$');

alter table public.payments drop constraint payments_method_valid;
alter table public.payments
  add constraint payments_method_valid
  check (method in ('wave', 'orange_money', 'free_money', 'mtn_momo', 'moov_money', 't_money', 'airtel_money',
    'cash', 'card', 'other'));

/** A payment method in French, as the feed names it (country.ts's labels). */
create or replace function private.payment_method_label(p_method text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case p_method
    when 'wave' then 'Wave' when 'orange_money' then 'Orange Money' when 'free_money' then 'Free Money'
    when 'mtn_momo' then 'MTN MoMo' when 'moov_money' then 'Moov Money' when 't_money' then 'T-Money'
    when 'airtel_money' then 'Airtel Money'
    when 'cash' then 'espèces' when 'card' then 'carte' else 'autre moyen' end
$$;
