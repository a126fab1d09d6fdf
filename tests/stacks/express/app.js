// A small multi-tenant Express API, the way founders build one with the usual middlewares
// (cors, helmet, express-rate-limit, express-session, cookie-parser, jsonwebtoken), in one
// of three variants:
//
//   right          every middleware configured as its documentation says
//   wrong          the mistakes their users make (listed in tests/stacks/matrix.toml)
//   trusted-proxy  right, but `trust proxy` on with no proxy in front: the limiter keys on
//                  whatever X-Forwarded-For the client sends
//   half-fixed     right, but the project list was never scoped (the record route is): the
//                  common half-fix that hands every tenant's records to any signed-in user
//   empty-page     right, with an invoices route whose every answer is an empty page in a
//                  pagination envelope (as Strapi answers): nothing there is anyone's
//
// The complete app (issue 36's READY baseline): with SMTP_PORT set, sign-up mails a
// verification link and a reset request mails its link through that SMTP server (MailDev),
// DKIM-signed with the key at DKIM_KEY for MAIL_DOMAIN; a new password ends the account's
// sessions. LAUNCH_AUDIT_FLAW plants one mistake in the right variant (FLAWS below), for
// the one-flaw-one-FAIL matrix. Every variant logs each request (method, path, status) to
// DIR/app.log and redirects plain HTTP on a second port to HTTPS.
//
// Usage: node app.js VARIANT DIR   (DIR holds cert.pem and key.pem)
// With FRONTEND_DIST set, the pages are that built front end (tests/stacks/frontend) instead
// of the one-line page. /openapi.json is the API's own spec, role-filtered.
// It serves HTTPS on 127.0.0.1 (the app) and 127.0.0.2 (a CDN-like host for the bundle),
// both on ports the kernel picks, then prints one JSON line: the ports and the tokens the
// audit acts with. It exits when stdin closes, so a test that dies leaves nothing behind.

"use strict";

const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const https = require("https");
const path = require("path");
const express = require("express");
const cors = require("cors");
const helmet = require("helmet");
const { rateLimit, ipKeyGenerator } = require("express-rate-limit");
const session = require("express-session");
const cookieParser = require("cookie-parser");
const jwt = require("jsonwebtoken");

const variant = process.argv[2];
const dir = process.argv[3];
if (!["right", "wrong", "trusted-proxy", "half-fixed", "empty-page"].includes(variant) || !dir) {
  console.error("usage: node app.js right|wrong|trusted-proxy|half-fixed|empty-page DIR");
  process.exit(2);
}
const wrong = variant === "wrong";
// One planted mistake each, on the right variant only.
const FLAWS = ["cors-reflect", "no-login-limit", "unscoped-list", "reusable-reset"];
const flaw = process.env.LAUNCH_AUDIT_FLAW || "";
if (flaw && (variant !== "right" || !FLAWS.includes(flaw))) {
  console.error(`LAUNCH_AUDIT_FLAW: one of ${FLAWS.join(", ")}, on the right variant`);
  process.exit(2);
}
const mailDomain = process.env.MAIL_DOMAIN || "acme.test";
const mailer = process.env.SMTP_PORT
  ? require("nodemailer").createTransport({
      host: "127.0.0.1",
      port: Number(process.env.SMTP_PORT),
      secure: false,
      ignoreTLS: true,
      dkim: {
        domainName: mailDomain,
        keySelector: "s1",
        privateKey: fs.readFileSync(process.env.DKIM_KEY, "utf8"),
      },
    })
  : null;
// The development error handler prints stacks; production prints "Internal Server Error".
const appEnv = wrong ? "development" : "production";

const SECRET = "launch-audit-express-signing-key";
const PASSWORD = "correct horse battery staple";
const ALLOWED_ORIGIN = "https://app.acme.test";
const STRIPE_LIVE = "sk_live_LaunchAuditPlanted0000000000000";
const STRIPE_PUBLISHABLE = "pk_live_LaunchAuditPublishable000000000";

const users = {
  alice: { email: "alice@acme.test", org: "101", role: "member" },
  mallory: { email: "mallory@globex.test", org: "202", role: "member" },
  ada: { email: "ada@acme.test", org: "101", role: "admin" },
};
const orgs = {
  101: { name: "Acme", members: ["alice@acme.test", "ada@acme.test"] },
  202: { name: "Globex", members: ["mallory@globex.test"] },
};
const projects = {
  "p-101": { org: "101", name: "Acme launch plan", budget: 12000 },
  "p-202": { org: "202", name: "Globex secret roadmap", budget: 99000 },
};
const notes = [];

function sign(name, expiresIn) {
  const user = users[name];
  // `gen`: the account's password generation; a new password ends the tokens before it.
  const claims = { sub: name, email: user.email, org: user.org, role: user.role, gen: user.gen || 0 };
  return jwt.sign(claims, SECRET, {
    algorithm: "HS256",
    expiresIn,
  });
}

const app = express();
app.set("env", appEnv);
app.disable("x-powered-by");
if (variant === "trusted-proxy") {
  // Copied from a "behind a load balancer" answer, on an app that has none in front.
  app.set("trust proxy", true);
}
if (!wrong) {
  app.use(helmet());
}
// One line per request, no header or query: what the app's log keeps.
const accessLog = fs.createWriteStream(path.join(dir, "app.log"), { flags: "a" });
app.use((req, res, next) => {
  res.on("finish", () => accessLog.write(`${new Date().toISOString()} ${req.method} ${req.path} ${res.statusCode}\n`));
  next();
});
app.use(cookieParser());
app.use(express.json({ limit: "100kb" }));
app.use(
  session({
    name: "sid",
    secret: SECRET,
    resave: false,
    saveUninitialized: false,
    // Wrong: the defaults people loosen "to make it work" (no Secure, readable by scripts,
    // sent on cross-site requests).
    cookie: wrong
      ? { httpOnly: false, sameSite: "none", secure: false }
      : { httpOnly: true, sameSite: "lax", secure: true },
  }),
);

const corsPolicy = wrong || flaw === "cors-reflect"
  ? // Reflects any Origin, with credentials.
    cors({ origin: true, credentials: true })
  : cors({ origin: [ALLOWED_ORIGIN], credentials: true });
if (!wrong) {
  // Right: CORS before auth, so the preflight and every answer carry the policy.
  app.use("/api", corsPolicy);
}

// FRONTEND_DIST: a front end a real bundler built (tests/stacks/frontend) is the app's
// pages instead of the one-line page below; its scripts call the API from a lazy chunk.
if (process.env.FRONTEND_DIST) {
  app.use(express.static(process.env.FRONTEND_DIST, { index: "index.html" }));
}

app.get("/", (req, res) => {
  const script = `https://127.0.0.2:${cdnPort}/assets/app.js`;
  res.type("html").send(
    `<!doctype html><html><head><title>Acme</title><script src="${script}"></script></head><body><div id="root">Acme</div></body></html>`,
  );
});

// The API's own OpenAPI document, role-filtered as some platforms serve theirs: a stranger
// sees the public part, a signed-in user also the member routes. Its server is the
// relative "/api", which its paths lack; one path it lists the app never had.
app.get("/openapi.json", (req, res) => {
  let signedIn = false;
  try {
    const header = req.get("authorization") || "";
    signedIn = header.startsWith("Bearer ") && !!jwt.verify(header.slice(7), SECRET, { algorithms: ["HS256"] });
  } catch (err) {
    signedIn = false;
  }
  const op = (operationId) => ({ get: { operationId, responses: { 200: { description: "ok" } } } });
  const paths = { "/me": op("me"), "/projects": op("listProjects") };
  if (signedIn) {
    paths["/projects/{id}"] = op("getProject");
    paths["/orgs/{org}/members"] = op("listMembers");
    paths["/reports"] = op("listReports");
    paths["/orgs/{org}/summary"] = op("orgSummary");
    paths["/archive"] = op("listArchive");
  }
  res.json({
    openapi: "3.0.3",
    info: { title: "Acme API", version: "1" },
    servers: [{ url: "/api" }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  });
});

app.get("/healthz", (req, res) => {
  res.json({ status: "ok", db: "up" });
});

const loginLimiter = rateLimit({
  windowMs: 60 * 1000,
  limit: 5,
  standardHeaders: "draft-8",
  legacyHeaders: false,
  // Per address and account, so one audit's session login is not spent by its own burst.
  keyGenerator: (req) => `${ipKeyGenerator(req.ip)}:${(req.body && req.body.email) || ""}`,
  // The limiter sees the whole "trust proxy" setting; express-rate-limit would otherwise
  // refuse to start with trust proxy = true (its ERR_ERL_PERMISSIVE_TRUST_PROXY check).
  validate: { trustProxy: false },
});
const loginRoute = [];
if (!wrong && flaw !== "no-login-limit") {
  loginRoute.push(loginLimiter);
}
app.post("/auth/login", ...loginRoute, (req, res) => {
  const { email, password } = req.body || {};
  // The validator every variant has: an attempt that is no address is refused as such.
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email)) {
    return res.status(400).json({ error: "email must be an email address" });
  }
  const name = Object.keys(users).find((n) => users[n].email === email);
  if (!name || password !== (users[name].password || PASSWORD)) {
    return res.status(401).json({ error: "invalid credentials" });
  }
  req.session.user = name;
  res.json({ token: sign(name, "1h") });
});

// Password reset, as a staging build runs it: the link's token comes back in the answer
// instead of by mail. A link works once, for RESET_TTL_MS. Wrong: an expired link throws
// (as an unhandled TokenExpiredError does) and the error handler answers 500.
// With a mailer, the link goes by mail to an account's address, and the new password ends
// the account's sessions.
const RESET_TTL_MS = 1000;
const resets = new Map();
const origin = () => `https://127.0.0.1:${appPort}`;
async function send(to, subject, text) {
  await mailer.sendMail({ from: `Acme <no-reply@${mailDomain}>`, to, subject, text });
}
app.post("/auth/reset-request", async (req, res, next) => {
  const token = crypto.randomBytes(16).toString("hex");
  if (!mailer) {
    resets.set(token, { issued: Date.now(), used: false });
    return res.status(202).json({ token });
  }
  const email = req.body && req.body.email;
  const name = Object.keys(users).find((n) => users[n].email === email);
  if (name) {
    resets.set(token, { issued: Date.now(), used: false, user: name });
    try {
      await send(email, "Reset your password", `Set a new password: ${origin()}/reset?token=${token}\n`);
    } catch (err) {
      return next(err);
    }
  }
  res.status(202).json({ sent: true });
});
app.post("/auth/reset", (req, res, next) => {
  const link = resets.get(req.body && req.body.token);
  if (!link) return res.status(404).json({ error: "unknown link" });
  if (link.used) return res.status(410).json({ error: "this link was already used" });
  if (Date.now() - link.issued > RESET_TTL_MS) {
    if (wrong) return next(new Error("TokenExpiredError: reset link expired"));
    return res.status(410).json({ error: "this link has expired" });
  }
  if (flaw !== "reusable-reset") link.used = true;
  if (link.user) {
    const password = req.body && req.body.password;
    if (typeof password !== "string" || password.length < 8) {
      return res.status(400).json({ error: "a password of 8 characters or more" });
    }
    users[link.user].password = password;
    users[link.user].gen = (users[link.user].gen || 0) + 1;
  }
  res.json({ reset: true });
});

// Sign-up and address verification (with a mailer): a new account in an org of its own,
// a session at once, and a link that verifies the account it was sent to, and no other.
const verifications = new Map();
let signups = 0;
function signedIn(req) {
  const header = req.get("authorization") || "";
  if (!header.startsWith("Bearer ")) return null;
  try {
    const claims = jwt.verify(header.slice(7), SECRET, { algorithms: ["HS256"] });
    const user = users[claims.sub];
    return user && (claims.gen || 0) === (user.gen || 0) ? claims : null;
  } catch (err) {
    return null;
  }
}
app.post("/auth/signup", async (req, res, next) => {
  if (!mailer) return res.status(404).json({ error: "not found" });
  const { email, password } = req.body || {};
  if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email) || typeof password !== "string" || password.length < 8) {
    return res.status(400).json({ error: "an email and a password of 8 characters or more" });
  }
  if (Object.values(users).some((u) => u.email === email) || signups >= 200) {
    return res.status(409).json({ error: "that address has an account" });
  }
  signups += 1;
  const name = `signup-${signups}`;
  users[name] = { email, org: `s${signups}`, role: "member", password, verified: false, gen: 0 };
  const token = crypto.randomBytes(16).toString("hex");
  verifications.set(token, { user: name, used: false });
  try {
    await send(email, "Verify your address", `Verify it: ${origin()}/auth/verify?token=${token}\n`);
  } catch (err) {
    return next(err);
  }
  res.status(201).json({ session: sign(name, "1h") });
});
app.get("/auth/verify", (req, res) => {
  const claims = signedIn(req);
  if (!claims) return res.status(401).json({ error: "sign in first" });
  const link = verifications.get(typeof req.query.token === "string" ? req.query.token : "");
  if (!link) return res.status(404).json({ error: "unknown link" });
  if (link.used) return res.status(410).json({ error: "this link was already used" });
  if (link.user !== claims.sub) return res.status(403).json({ error: "this link belongs to another account" });
  link.used = true;
  users[link.user].verified = true;
  res.json({ verified: true });
});
app.get("/auth/account", (req, res) => {
  const claims = signedIn(req);
  if (!claims) return res.status(401).json({ error: "sign in first" });
  res.json({ email: claims.email, verified: !!users[claims.sub].verified });
});

// A return URL after login.
app.get("/login", (req, res) => {
  const next = typeof req.query.next === "string" ? req.query.next : "/";
  if (wrong) {
    return res.redirect(next);
  }
  // Only local paths: one leading slash, not `//host` or `/\host`.
  res.redirect(/^\/(?![/\\])/.test(next) ? next : "/");
});

function requireAuth(req, res, next) {
  const header = req.get("authorization") || "";
  const token = header.startsWith("Bearer ") ? header.slice(7) : null;
  if (!token) {
    return res.status(401).json({ error: "authentication required" });
  }
  try {
    // Wrong: "expired tokens kept failing in testing".
    req.user = jwt.verify(token, SECRET, { algorithms: ["HS256"], ignoreExpiration: wrong });
    const user = users[req.user.sub];
    if (!wrong && (!user || (req.user.gen || 0) !== (user.gen || 0))) {
      return res.status(401).json({ error: "invalid token" });
    }
    next();
  } catch (err) {
    res.status(401).json({ error: "invalid token" });
  }
}

// Wrong: a route added later, mounted above the auth middleware.
const notesRoute = (req, res) => res.json({ data: notes.length ? notes : [{ text: "Acme board notes" }] });
if (wrong) {
  app.get("/api/notes", notesRoute);
}

// Wrong: a reporting route added later with its own "auth", mounted above the auth
// middleware, that reads the token with jwt.decode (which checks no signature).
const reportsRoute = (req, res) => res.json({ data: { org: req.user.org, signups: 42 } });
if (wrong) {
  app.get(
    "/api/reports",
    (req, res, next) => {
      const header = req.get("authorization") || "";
      req.user = jwt.decode(header.replace(/^Bearer /, ""));
      if (!req.user || !req.user.org) return res.status(401).json({ error: "invalid token" });
      next();
    },
    reportsRoute,
  );
}

app.use("/api", requireAuth);
if (wrong) {
  // Wrong: CORS mounted after auth, so only authenticated answers carry it (and reflect
  // any origin with credentials).
  app.use("/api", corsPolicy);
}
if (!wrong) {
  // Authenticated answers are nobody else's: no shared cache may keep them.
  app.use("/api", (req, res, next) => {
    res.set("Cache-Control", "private, no-store");
    next();
  });
  app.get("/api/notes", notesRoute);
  app.get("/api/reports", reportsRoute);
}
app.post("/api/notes", (req, res) => {
  const text = req.body && req.body.text;
  if (typeof text !== "string" || text.length > 1000) {
    return res.status(400).json({ error: "text must be a string of at most 1000 characters" });
  }
  if (notes.length < 50) notes.push({ text, by: req.user.sub });
  res.status(201).json({ data: { text } });
});

app.get("/api/me", (req, res) => {
  // Wrong: cached by any shared cache for five minutes.
  res.set("Cache-Control", wrong ? "public, max-age=300" : "private, no-store");
  res.json({ data: { user: req.user.sub, email: req.user.email, org: req.user.org } });
});

// Wrong: the debugging route the front end calls only in development, left on: every
// tenant's projects to any signed-in user. Only the source map's original code names it.
if (wrong) {
  app.get("/api/debug/state", (req, res) => {
    res.json({ data: { projects: Object.entries(projects).map(([id, p]) => ({ id, ...p })) } });
  });
}

// Nested route: the org in the path must be the caller's.
app.get("/api/orgs/:org/members", (req, res) => {
  const org = orgs[req.params.org];
  if (!org) return res.status(404).json({ error: "not found" });
  if (!wrong && req.user.org !== req.params.org) {
    return res.status(403).json({ error: "forbidden" });
  }
  res.json({ data: org.members.map((email) => ({ email })) });
});

// An org's summary, which only the signed-in view of the spec lists: the same guard.
app.get("/api/orgs/:org/summary", (req, res) => {
  if (!orgs[req.params.org]) return res.status(404).json({ error: "not found" });
  if (!wrong && req.user.org !== req.params.org) {
    return res.status(403).json({ error: "forbidden" });
  }
  const count = Object.values(projects).filter((p) => p.org === req.params.org).length;
  res.json({ data: { org: req.params.org, name: orgs[req.params.org].name, projects: count } });
});

// A note on an org's board: the same guard as the members route, on a write.
app.post("/api/orgs/:org/notes", (req, res) => {
  if (!wrong && req.user.org !== req.params.org) {
    return res.status(403).json({ error: "forbidden" });
  }
  if (!orgs[req.params.org]) return res.status(404).json({ error: "not found" });
  const text = req.body && req.body.text;
  if (typeof text !== "string" || text.length > 1000) {
    return res.status(400).json({ error: "text must be a string of at most 1000 characters" });
  }
  res.status(201).json({ data: { org: req.params.org, text } });
});

// Flat route: the resource's owner must be the caller's org.
app.get("/api/projects/:id", (req, res) => {
  const project = projects[req.params.id];
  if (!project) return res.status(404).json({ error: "not found" });
  if (!wrong && project.org !== req.user.org) {
    return res.status(404).json({ error: "not found" });
  }
  res.json({ data: project });
});

// The list: only the caller's org's projects (wrong and half-fixed: every org's).
app.get("/api/projects", (req, res) => {
  const unscoped = wrong || variant === "half-fixed" || flaw === "unscoped-list";
  const list = Object.entries(projects)
    .filter(([, p]) => unscoped || p.org === req.user.org)
    .map(([id, p]) => ({ id, ...p }));
  res.json({ data: list });
});

// An org's invoices, none yet: the empty page of a paginated envelope.
app.get("/api/orgs/:org/invoices", (req, res) => {
  if (!orgs[req.params.org]) return res.status(404).json({ error: "not found" });
  res.json({ data: [], meta: { pagination: { page: 1, pageSize: 25, pageCount: 0, total: 0 } } });
});

// Admin only.
app.get("/api/admin/users", (req, res) => {
  if (!wrong && req.user.role !== "admin") {
    return res.status(403).json({ error: "admins only" });
  }
  res.json({ data: Object.values(users).map((u) => ({ email: u.email, role: u.role })) });
});

app.use("/api", (req, res) => res.status(404).json({ error: "not found" }));

// The CDN-like host: the built bundle.
const cdn = express();
cdn.get("/assets/app.js", (req, res) => {
  const key = wrong ? STRIPE_LIVE : STRIPE_PUBLISHABLE;
  res.type("application/javascript").send(`const stripeKey = "${key}";\nconsole.log("acme");\n`);
});

const tls = {
  cert: fs.readFileSync(path.join(dir, "cert.pem")),
  key: fs.readFileSync(path.join(dir, "key.pem")),
};
let cdnPort = 0;
let appPort = 0;
// Plain HTTP: a permanent redirect to the same path over HTTPS.
const redirector = http.createServer((req, res) => {
  res.writeHead(301, { Location: `https://127.0.0.1:${appPort}${req.url}` });
  res.end();
});
const cdnServer = https.createServer(tls, cdn).listen(0, "127.0.0.2", () => {
  cdnPort = cdnServer.address().port;
  const appServer = https.createServer(tls, app).listen(0, "127.0.0.1", () => {
    appPort = appServer.address().port;
    redirector.listen(0, "127.0.0.1", () => {
    const ready = {
      port: appPort,
      http_port: redirector.address().port,
      cdn_port: cdnPort,
      tokens: {
        alice: sign("alice", "1h"),
        mallory: sign("mallory", "1h"),
        ada: sign("ada", "1h"),
        alice_expired: sign("alice", -3600),
      },
      password: PASSWORD,
    };
    process.stdout.write(JSON.stringify(ready) + "\n");
    });
  });
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
