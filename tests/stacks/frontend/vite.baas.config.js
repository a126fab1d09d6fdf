// The back-end-as-a-service front end (baas/), in four builds (LAUNCH_AUDIT_BUILD):
// supabase-right ships the anon key, supabase-wrong the service_role key (both JWTs signed
// with the test stack's secret, tests/stacks/supabase/keys.json); pocketbase-right no key,
// pocketbase-wrong a superuser's password, which its admin screen signs in with. The URL
// is a placeholder the test replaces with the API's address.
import { readFileSync } from "node:fs";
import { defineConfig } from "vite";

const build = process.env.LAUNCH_AUDIT_BUILD || "supabase-right";
const keys = JSON.parse(readFileSync(new URL("./baas/keys.json", import.meta.url)));
const key = { "supabase-right": keys.anon, "supabase-wrong": keys.service_role }[build] ?? "";
const pocketbase = build.startsWith("pocketbase");

export default defineConfig({
  root: new URL("./baas", import.meta.url).pathname,
  define: {
    "import.meta.env.VITE_BAAS_KIND": JSON.stringify(pocketbase ? "pocketbase" : "supabase"),
    "import.meta.env.VITE_BAAS_ADMIN": JSON.stringify(build === "pocketbase-wrong"),
    "import.meta.env.VITE_BAAS_URL": JSON.stringify("http://baas.invalid:1"),
    "import.meta.env.VITE_BAAS_KEY": JSON.stringify(key),
  },
  build: { emptyOutDir: true, modulePreload: false },
});
