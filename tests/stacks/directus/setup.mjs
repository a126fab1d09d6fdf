// The notes app on Directus, as its developer sets it up through Directus's own API
// (tests/integration/stacks/directus.rs): a `notes` collection whose items record who
// created them, a Member role whose policy may read and add notes, and two members with
// a private note each. LAUNCH_AUDIT_VARIANT=right: members read only the notes they
// created; wrong: the read permission has no filter, so every member reads every note.
//
// Usage: node setup.mjs URL ADMIN_EMAIL ADMIN_PASSWORD; the members' addresses and
// passwords come from ALICE_USER, ALICE_PASSWORD, MALLORY_USER and MALLORY_PASSWORD.
// Prints {"notes": {"<email>": <note id>, ...}}.

const [url, adminEmail, adminPassword] = process.argv.slice(2);
const wrong = process.env.LAUNCH_AUDIT_VARIANT === "wrong";

async function call(method, path, token, body) {
  const response = await fetch(url + path, {
    method,
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${text}`);
  }
  return text ? JSON.parse(text).data : null;
}

async function login(email, password) {
  return (await call("POST", "/auth/login", null, { email, password })).access_token;
}

const admin = await login(adminEmail, adminPassword);
await call("POST", "/collections", admin, {
  collection: "notes",
  schema: {},
  meta: { icon: "note" },
  fields: [
    {
      field: "id",
      type: "integer",
      meta: { hidden: true, readonly: true },
      schema: { is_primary_key: true, has_auto_increment: true },
    },
    { field: "body", type: "text", meta: {}, schema: {} },
    {
      field: "user_created",
      type: "uuid",
      meta: { special: ["user-created"], readonly: true },
      schema: {},
    },
  ],
});
await call("POST", "/relations", admin, {
  collection: "notes",
  field: "user_created",
  related_collection: "directus_users",
});
const policy = await call("POST", "/policies", admin, {
  name: "Members",
  app_access: true,
  admin_access: false,
});
const role = await call("POST", "/roles", admin, { name: "Member" });
await call("POST", "/access", admin, { role: role.id, policy: policy.id });
await call("POST", "/permissions", admin, [
  {
    policy: policy.id,
    collection: "notes",
    action: "read",
    fields: ["*"],
    permissions: wrong ? {} : { user_created: { _eq: "$CURRENT_USER" } },
  },
  { policy: policy.id, collection: "notes", action: "create", fields: ["body"] },
]);

const notes = {};
for (const who of ["ALICE", "MALLORY"]) {
  const email = process.env[`${who}_USER`];
  const password = process.env[`${who}_PASSWORD`];
  await call("POST", "/users", admin, { email, password, role: role.id, status: "active" });
  const member = await login(email, password);
  const note = await call("POST", "/items/notes", member, {
    body: `${email.split("@")[0]} private note`,
  });
  notes[email] = note.id;
}
console.log(JSON.stringify({ notes }));
