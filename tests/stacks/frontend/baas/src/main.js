// A notes app that talks to its back end as a service straight from the browser, as apps
// made with AI builders do: the client is created with the project URL and key that the
// build bakes in (LAUNCH_AUDIT_BUILD picks the service and the key; the URL is replaced
// by the test with the port it started the API on).
import { createClient } from "@supabase/supabase-js";
import PocketBase from "pocketbase";

const root = document.querySelector("#root");

async function supabaseApp() {
  const supabase = createClient(import.meta.env.VITE_BAAS_URL, import.meta.env.VITE_BAAS_KEY);
  const { data: notes } = await supabase.from("notes").select("*");
  const { data: profile } = await supabase.from("profiles").select("email, full_name").single();
  const { data: invoices } = await supabase.from("invoices").select("*");
  const { data: summaries } = await supabase.from("note_summaries").select("*");
  const { data: posts } = await supabase.from("posts").select("title");
  const { data: found } = await supabase.rpc("search_notes", { q: "" });
  root.textContent = JSON.stringify({ notes, profile, invoices, summaries, posts, found });
}

async function pocketbaseApp() {
  const pb = new PocketBase(import.meta.env.VITE_BAAS_URL);
  if (import.meta.env.VITE_BAAS_ADMIN) {
    // The admin screen's shortcut: a superuser's password, shipped to every visitor.
    await pb.collection("_superusers").authWithPassword("root@acme.test", "RootPassw0rd!");
  }
  const notes = await pb.collection("notes").getList(1, 20);
  const messages = await pb.collection("messages").getList(1, 20);
  const invoices = await pb.collection("invoices").getList(1, 20);
  const posts = await pb.collection("posts").getList(1, 20);
  root.textContent = JSON.stringify({ notes, messages, invoices, posts });
}

(import.meta.env.VITE_BAAS_KIND === "pocketbase" ? pocketbaseApp : supabaseApp)();
