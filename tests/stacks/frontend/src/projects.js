// The projects screen: a list route and a record route, and the billing key the build put
// here (a live secret in the wrong build, the publishable key in the right one).
import { api } from "./main.js";

export const billingKey = import.meta.env.VITE_BILLING_KEY;

export async function show(org) {
  const list = await api("/api/projects");
  const first = list.data && list.data[0];
  if (first) {
    const project = await api(`/api/projects/${encodeURIComponent(first.id)}`);
    console.log(project.data.name);
  }
  const members = await api(`/api/orgs/${org}/members`);
  const notes = await api("/api/notes");
  if (import.meta.env.DEV) {
    // A debugging aid: the build drops it (DEV is false there), the server may not.
    console.log(await api("/api/debug/state"));
  }
  console.log(notes.data && notes.data.length);
  await fetch("/api/notes", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${localStorage.getItem("token")}` },
    body: JSON.stringify({ text: "hello" }),
  });
  return members;
}
