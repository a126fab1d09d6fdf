/// A small notes app on PocketBase, as its developers set it up. LAUNCH_AUDIT_PB=right or
/// wrong: the wrong one has the list rules these apps ship with (`""`: anyone; and
/// `@request.auth.id != ""`: any signed-in user) where the view rule protects each record,
/// a create rule open to anyone, and users whose e-mails every user may list.
/// `invoices` is right in both, and must never be flagged.
migrate((app) => {
  const wrong = $os.getenv("LAUNCH_AUDIT_PB") === "wrong";
  const users = app.findCollectionByNameOrId("users");
  users.listRule = wrong ? "@request.auth.id != ''" : "id = @request.auth.id";
  users.viewRule = "id = @request.auth.id";
  app.save(users);

  const own = "owner = @request.auth.id";
  const notes = new Collection({
    type: "base",
    name: "notes",
    listRule: wrong ? "" : own,
    viewRule: own,
    createRule: wrong ? "" : "@request.auth.id != '' && owner = @request.auth.id",
    updateRule: own,
    deleteRule: own,
    fields: [
      { name: "body", type: "text", required: true },
      { name: "owner", type: "relation", collectionId: users.id, maxSelect: 1 },
    ],
  });
  app.save(notes);
  const messages = new Collection({
    type: "base",
    name: "messages",
    listRule: wrong ? "@request.auth.id != ''" : own,
    viewRule: own,
    createRule: null,
    updateRule: null,
    deleteRule: null,
    fields: [
      { name: "text", type: "text", required: true },
      { name: "owner", type: "relation", collectionId: users.id, maxSelect: 1 },
    ],
  });
  app.save(messages);
  const invoices = new Collection({
    type: "base",
    name: "invoices",
    listRule: own,
    viewRule: own,
    createRule: null,
    updateRule: null,
    deleteRule: null,
    fields: [
      { name: "amount", type: "number" },
      { name: "owner", type: "relation", collectionId: users.id, maxSelect: 1 },
    ],
  });
  app.save(invoices);
  const posts = new Collection({
    type: "base",
    name: "posts",
    listRule: "",
    viewRule: "",
    fields: [{ name: "title", type: "text" }],
  });
  app.save(posts);

  const people = [
    ["alice@acme.test", "AlicePassw0rd!"],
    ["mallory@globex.test", "MalloryPassw0rd!"],
  ].map(([email, password]) => {
    const user = new Record(users);
    user.set("email", email);
    user.setPassword(password);
    user.set("verified", true);
    // Shown to other users (a profile page's author e-mail): with a list rule any signed-in
    // user passes, every user's address is listed.
    user.set("emailVisibility", wrong);
    app.save(user);
    return user;
  });
  for (const user of people) {
    const name = user.get("email").split("@")[0];
    for (const [collection, field, value] of [
      [notes, "body", `${name} private note`],
      [messages, "text", `${name} private message`],
      [invoices, "amount", name.length * 100],
    ]) {
      const record = new Record(collection);
      record.set(field, value);
      record.set("owner", user.id);
      app.save(record);
    }
  }
  const post = new Record(posts);
  post.set("title", "Hello world");
  app.save(post);
});
