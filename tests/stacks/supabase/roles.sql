-- Supabase's role model, reproduced in plain SQL for the test's own PostgreSQL cluster:
-- the gateway's keys are JWTs whose `role` claim is `anon` or `service_role`; a signed-in
-- user's JWT says `authenticated` and carries the user's id in `sub`. The PostgREST-compatible
-- server logs in as `authenticator` and switches to the claim's role for each request.
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator login noinherit;
grant anon, authenticated, service_role to authenticator;

create schema auth;
create table auth.users (id uuid primary key, email text not null);
-- auth.uid(): the signed-in user's id, from the request's JWT claims.
create function auth.uid() returns uuid language sql stable as $$
  select nullif(current_setting('request.jwt.claims', true)::json ->> 'sub', '')::uuid
$$;
grant usage on schema auth to anon, authenticated, service_role;
grant execute on function auth.uid() to anon, authenticated, service_role;

-- As on Supabase, every table made in `public` is granted to the API's roles: what protects
-- the rows is row level security, and a table without it is open to the public key.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant execute on functions to anon, authenticated, service_role;
