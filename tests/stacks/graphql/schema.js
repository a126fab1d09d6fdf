// The app both servers serve: two tenants (acme, globex), their users, invoices and a
// public list of posts; a login mutation. RIGHT (the variant's flag) decides each mistake
// the resolvers make when wrong:
// - invoice(id) and org(id) with no owner check (any signed-in user reads another
//   tenant's), org(id) even without a login;
// - a login limiter that counts HTTP requests, so aliases and batches walk past it (the
//   right one counts attempts per e-mail, in the resolver);
// - a resolver error that carries the database's internals.
const { GraphQLError } = require("graphql");

// The schema's SDL, the app's own source file: init reads it too (--graphql-schema).
const typeDefs = require("node:fs").readFileSync(require("node:path").join(__dirname, "schema.graphql"), "utf8");

const orgs = { 1: { id: "1", name: "acme" }, 2: { id: "2", name: "globex" } };
const users = [
  { id: "11", email: "alice@acme.test", password: "AlicePassw0rd!", org: "1", token: "tok-alice-6f1c0d8e2b" },
  { id: "22", email: "mallory@globex.test", password: "MalloryPassw0rd!", org: "2", token: "tok-mallory-93ab77e1c4" },
];
const invoices = [
  { id: "10", title: "acme hosting", amount: 4200, org: "1" },
  { id: "20", title: "globex hosting", amount: 1300, org: "2" },
];

const unauthenticated = () =>
  new GraphQLError("sign in first", { extensions: { code: "UNAUTHENTICATED", http: { status: 200 } } });
const forbidden = () => new GraphQLError("not yours", { extensions: { code: "FORBIDDEN" } });

// Sessions that expired: the store dropped them, so they sign nobody in.
const expiredTokens = ["tok-alice-expired-5d2c0e91"];

function userOf(authorization) {
  const token = (authorization || "").replace(/^Bearer /i, "");
  if (expiredTokens.includes(token)) return null;
  return users.find((u) => u.token === token) || null;
}

function resolvers(right) {
  // Logins per e-mail (right: 5 a minute) or HTTP requests carrying logins (wrong: 30 a
  // minute, a middleware's usual allowance, which the audit's own runs stay under).
  const attempts = new Map();
  // The wrong limiter's memory: requests already counted, and what it said for the last one.
  const counted = new Set();
  let overLimit = false;
  const limited = (key, allowed) => {
    const now = Date.now();
    const recent = (attempts.get(key) || []).filter((t) => now - t < 60_000);
    recent.push(now);
    attempts.set(key, recent);
    return recent.length > allowed;
  };
  const own = (user, record) => {
    if (!user) throw unauthenticated();
    if (right && record && record.org !== user.org) throw forbidden();
    return record;
  };
  return {
    Query: {
      me: (_, __, { user }) => user,
      invoice: (_, { id }, { user }) => own(user, invoices.find((i) => i.id === id) || null),
      invoices: (_, __, { user }) => {
        if (!user) throw unauthenticated();
        return invoices.filter((i) => i.org === user.org);
      },
      org: (_, { id }, { user }) => {
        if (!right) return orgs[id] || null;
        if (!user) throw unauthenticated();
        return own(user, orgs[id] ? { ...orgs[id], org: orgs[id].id } : null);
      },
      posts: () => [{ id: "1", title: "Hello world" }],
      search: (_, { term }, { user }) => {
        if (!user) throw unauthenticated();
        if (/['";]/.test(term)) {
          // What a driver's error looks like; the right server masks it.
          throw new Error(`SQLITE_ERROR: near "${term}": syntax error in SELECT * FROM invoices WHERE title LIKE '%${term}%' (at /srv/app/db.js:42)`);
        }
        return invoices.filter((i) => i.org === user.org && i.title.includes(term));
      },
    },
    Mutation: {
      login: (_, { email, password }, { request }) => {
        // Right: every attempt counts, per e-mail. Wrong: what an HTTP middleware counts,
        // one per request, however many attempts it carries.
        let over;
        if (right) {
          over = limited(`email:${email}`, 5);
        } else {
          over = counted.has(request.id) ? overLimit : limited("requests", 30);
          counted.add(request.id);
          overLimit = over;
        }
        if (over) {
          throw new GraphQLError("too many attempts", { extensions: { code: "RATE_LIMITED" } });
        }
        const user = users.find((u) => u.email === email && u.password === password);
        if (!user) throw new GraphQLError("wrong e-mail or password", { extensions: { code: "BAD_CREDENTIALS" } });
        return { token: user.token };
      },
      renameInvoice: (_, { id, title }, { user }) => {
        const invoice = own(user, invoices.find((i) => i.id === id) || null);
        if (invoice) invoice.title = title;
        return invoice;
      },
    },
    User: { org: (u) => orgs[u.org] },
    Org: {
      members: (o) => users.filter((u) => u.org === o.id),
      invoices: (o) => invoices.filter((i) => i.org === o.id),
    },
    Invoice: { org: (i) => orgs[i.org] },
  };
}

let requests = 0;
// A per-request identity for the wrong limiter: every HTTP request is a new key.
const requestId = () => ++requests;

module.exports = { typeDefs, resolvers, userOf, requestId, users, expiredTokens };
