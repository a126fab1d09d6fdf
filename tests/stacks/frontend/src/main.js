// The entry chunk: who am I, then the projects screen, loaded lazily (a dynamic import with
// no preload link and no manifest entry in the page).
const token = () => localStorage.getItem("token");

export async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), authorization: `Bearer ${token()}` };
  const response = await fetch(path, { ...options, headers });
  return response.json();
}

// The sign-in form's handler: the token the API answers with is what api() sends.
export async function signIn(email, password) {
  const response = await fetch("/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const { token } = await response.json();
  localStorage.setItem("token", token);
}
window.signIn = signIn;

async function start() {
  const me = await api("/api/me");
  document.querySelector("#root").textContent = me.data ? me.data.email : "signed out";
  const reports = await api("/api/reports");
  console.log(reports.data && reports.data.signups);
  const screen = await import("./projects.js");
  await screen.show(me.data && me.data.org);
  if (import.meta.env.SETTINGS_SCREEN) {
    const settings = await import("./settings.js");
    await settings.show();
  }
}

start();
