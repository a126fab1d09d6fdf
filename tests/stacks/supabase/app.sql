-- A small notes app on the data API, as its developers write it. `psql -v wrong=false`
-- or `-v wrong=true`: the wrong one has the mistakes these apps ship with (row security
-- never enabled on a table made by SQL, a policy `using (true)`, a view without
-- `security_invoker`, a `security definer` function granted to anon, an insert policy
-- `with check (true)`); `invoices` is correct in both, and must never be flagged.
-- `billing_contacts` is named only by the API's schema document.

insert into auth.users (id, email) values
  ('11111111-1111-4111-8111-111111111111', 'alice@acme.test'),
  ('22222222-2222-4222-8222-222222222222', 'mallory@globex.test');

-- Profiles: one per user, with the e-mail the owner sees.
create table public.profiles (
  id uuid primary key references auth.users (id),
  email text not null,
  full_name text not null
);
insert into public.profiles values
  ('11111111-1111-4111-8111-111111111111', 'alice@acme.test', 'Alice Owner'),
  ('22222222-2222-4222-8222-222222222222', 'mallory@globex.test', 'Mallory Other');

-- Notes: each user's own.
create table public.notes (
  id bigint generated always as identity primary key,
  owner uuid default auth.uid() references auth.users (id),
  body text not null
);
insert into public.notes (owner, body) values
  ('11111111-1111-4111-8111-111111111111', 'alice private note'),
  ('22222222-2222-4222-8222-222222222222', 'mallory private note');

-- Password reset tokens (the table CVE-2025-48757's apps left readable).
create table public.password_resets (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id),
  token text not null
);
insert into public.password_resets (user_id, token) values
  ('11111111-1111-4111-8111-111111111111', 'reset-token-alice-0001');

-- Posts: published, meant to be read by anyone (the profile declares it public).
create table public.posts (
  id bigint generated always as identity primary key,
  title text not null
);
insert into public.posts (title) values ('Hello world');
alter table public.posts enable row level security;
create policy "posts are public" on public.posts for select using (true);

-- Invoices: right in both variants.
create table public.invoices (
  id bigint generated always as identity primary key,
  owner uuid not null default auth.uid() references auth.users (id),
  amount integer not null
);
insert into public.invoices (owner, amount) values
  ('11111111-1111-4111-8111-111111111111', 4200),
  ('22222222-2222-4222-8222-222222222222', 1300);
alter table public.invoices enable row level security;
create policy "own invoices" on public.invoices for select to authenticated
  using (owner = auth.uid());

-- Billing contacts: no script names it and it is no common name, so only the API's own
-- schema document tells the audit it exists.
create table public.billing_contacts (
  id bigint generated always as identity primary key,
  owner uuid not null default auth.uid() references auth.users (id),
  email text not null
);
insert into public.billing_contacts (owner, email) values
  ('11111111-1111-4111-8111-111111111111', 'billing@acme.test'),
  ('22222222-2222-4222-8222-222222222222', 'billing@globex.test');

\if :wrong
  -- Row security never enabled on profiles, password_resets or billing_contacts (made by
  -- SQL, not the UI).
  -- Notes: row security on, but the read policy is `using (true)` for signed-in users, and
  -- anyone may insert.
  alter table public.notes enable row level security;
  create policy "read notes" on public.notes for select to authenticated using (true);
  create policy "write notes" on public.notes for insert with check (true);
  create policy "edit notes" on public.notes for update to authenticated using (true);
  -- A view owned by the table's owner: it reads past row security.
  create view public.note_summaries as select id, owner, left(body, 10) as preview from public.notes;
  -- A function that runs as its owner, granted to anon.
  create function public.search_notes(q text) returns setof public.notes
    language sql security definer set search_path = public as $$
      select * from public.notes where body ilike '%' || q || '%'
    $$;
\else
  alter table public.profiles enable row level security;
  create policy "own profile" on public.profiles for select to authenticated using (id = auth.uid());
  alter table public.password_resets enable row level security;
  alter table public.billing_contacts enable row level security;
  create policy "own billing contacts" on public.billing_contacts for select to authenticated
    using (owner = auth.uid());
  alter table public.notes enable row level security;
  create policy "read own notes" on public.notes for select to authenticated using (owner = auth.uid());
  create policy "write own notes" on public.notes for insert to authenticated with check (owner = auth.uid());
  create policy "edit own notes" on public.notes for update to authenticated using (owner = auth.uid());
  create policy "delete own notes" on public.notes for delete to authenticated using (owner = auth.uid());
  create view public.note_summaries with (security_invoker = true) as
    select id, owner, left(body, 10) as preview from public.notes;
  create function public.search_notes(q text) returns setof public.notes
    language sql security invoker set search_path = public as $$
      select * from public.notes where body ilike '%' || q || '%'
    $$;
\endif
