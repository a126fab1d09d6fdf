// The entry chunk: who am I, then the projects screen, loaded lazily (a dynamic import with
// no preload link and no manifest entry in the page).
const token = () => localStorage.getItem("token");

export async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), authorization: `Bearer ${token()}` };
  const response = await fetch(path, { ...options, headers });
  return response.json();
}

async function start() {
  const me = await api("/api/me");
  document.querySelector("#root").textContent = me.data ? me.data.email : "signed out";
  const screen = await import("./projects.js");
  await screen.show(me.data && me.data.org);
}

start();
