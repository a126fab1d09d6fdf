// Apollo Server 5 on Express 5 (@as-integrations/express5), right or wrong (argv[2]).
// Prints {"port":N,"tokens":{…}} once it listens; exits when stdin closes.
// wrong: introspection and Apollo's landing page on (its defaults outside production),
// stack traces and driver messages in errors, CSRF prevention off while the app parses
// urlencoded forms for every path (so a cross-site form posts a mutation), batched requests
// on, no depth or alias limit, field suggestions on.
// right: introspection off, the landing page off, internal errors masked by formatError,
// CSRF prevention on (the default), batching off (the default), graphql-armor's limits
// (depth, aliases, directives, cost) with suggestions blocked, and the token limit as
// graphql-js's own parse option: armor's Apollo token plugin answers every syntax error
// with a 500 (graphql-armor issues 571, 605, 751), which the audit's input.malformed saw.
// The complete app (issue 36's READY baseline on Apollo), as yoga.js's: with TLS_DIR
// (cert.pem, key.pem), HTTPS, and plain HTTP on a second port redirecting to it; the right
// variant then also sends the browser security headers and no-store, and grants CORS to the
// app's own origin only (the `cors` middleware Apollo's docs pair with expressMiddleware).
// ACCESS_LOG gets one line per request (method, path, status). LAUNCH_AUDIT_FLAW plants one
// mistake in the right variant: `introspection` leaves the schema handed out,
// `unmasked-errors` drops the formatError that masks internals.
const fs = require("node:fs");
const path = require("node:path");
const http = require("node:http");
const https = require("node:https");
const cors = require("cors");
const express = require("express");
const { ApolloServer } = require("@apollo/server");
const { expressMiddleware } = require("@as-integrations/express5");
const { ApolloServerPluginLandingPageDisabled } = require("@apollo/server/plugin/disabled");
const { unwrapResolverError } = require("@apollo/server/errors");
const { ApolloArmor } = require("@escape.tech/graphql-armor");
const { typeDefs, resolvers, userOf, requestId, users, expiredTokens } = require("./schema");

const right = process.argv[2] === "right";
const flaw = process.env.LAUNCH_AUDIT_FLAW || "";
const FLAWS = ["introspection", "unmasked-errors"];
if (flaw && (!right || !FLAWS.includes(flaw))) {
  console.error(`LAUNCH_AUDIT_FLAW: one of ${FLAWS.join(", ")}, on the right variant`);
  process.exit(2);
}
const tlsDir = process.env.TLS_DIR;
const armor = right
  ? new ApolloArmor({
      maxDepth: { n: 6 },
      maxAliases: { n: 10 },
      maxDirectives: { n: 10 },
      maxTokens: { enabled: false },
      costLimit: { maxCost: 5000 },
      blockFieldSuggestion: { enabled: true },
    }).protect()
  : { plugins: [], validationRules: [] };

const server = new ApolloServer({
  typeDefs,
  resolvers: resolvers(right),
  introspection: !right || flaw === "introspection",
  ...(right ? { parseOptions: { maxTokens: 1000 } } : {}),
  includeStacktraceInErrorResponses: !right,
  csrfPrevention: right,
  allowBatchedHttpRequests: !right,
  plugins: [...armor.plugins, ...(right ? [ApolloServerPluginLandingPageDisabled()] : [])],
  validationRules: armor.validationRules,
  // Apollo's documented way to keep internals out of answers: errors the app did not
  // raise on purpose (no code of its own) become a generic message.
  formatError: right && flaw !== "unmasked-errors"
    ? (formatted, error) =>
        unwrapResolverError(error) instanceof Error && formatted.extensions?.code === "INTERNAL_SERVER_ERROR"
          ? { message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }
          : formatted
    : undefined,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});

server.start().then(() => {
  const app = express();
  app.disable("x-powered-by");
  if (process.env.ACCESS_LOG) {
    const accessLog = fs.createWriteStream(process.env.ACCESS_LOG, { flags: "a" });
    app.use((req, res, next) => {
      res.on("finish", () => accessLog.write(`${new Date().toISOString()} ${req.method} ${req.path} ${res.statusCode}\n`));
      next();
    });
  }
  if (right && tlsDir) {
    app.use((_req, res, next) => {
      res.set({
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cache-Control": "no-store",
      });
      next();
    });
  }
  // For the test that holds the audit to its caps: one line per request, its size.
  const log = process.env.LAUNCH_AUDIT_REQUEST_LOG;
  if (log) {
    const fs = require("node:fs");
    app.use((req, _res, next) => {
      fs.appendFileSync(log, `${req.method} ${req.originalUrl.length} ${req.headers["content-length"] || 0}\n`);
      next();
    });
  }
  // The wrong app reads HTML forms on every path (its settings page posts one).
  if (!right) app.use(express.urlencoded({ extended: false }));
  // The app's page: its script asks the endpoint as the browser does (what `init --url`
  // reads to write [[graphql]]). The complete app is an API-only deploy, as yoga.js's.
  if (!tlsDir) app.get("/", (_req, res) => {
    res.type("html").send(`<!doctype html><title>Invoices</title><div id="root"></div><script>
      const INVOICE = "query Invoice($id: ID!) { invoice(id: $id) { id title amount } }";
      const LOGIN = "mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }";
      async function signIn(email, password) {
        const answer = await fetch("/graphql", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: LOGIN, variables: { email, password } }),
        });
        localStorage.token = (await answer.json()).data.login.token;
      }
      window.signIn = signIn;
      async function show(id) {
        const answer = await fetch("/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer " + localStorage.token },
          body: JSON.stringify({ query: INVOICE, variables: { id } }),
        });
        document.querySelector("#root").textContent = JSON.stringify(await answer.json());
      }
      show(location.hash.slice(1) || "10");
    </script>`);
  });
  // What an uptime monitor asks (Yoga serves /health itself).
  if (tlsDir) app.get("/health", (_req, res) => res.json({ status: "ok" }));
  app.use(
    "/graphql",
    ...(right && tlsDir ? [cors({ origin: ["https://app.acme.test"], credentials: true })] : []),
    express.json(),
    expressMiddleware(server, {
      context: async ({ req }) => ({ user: userOf(req.headers.authorization), request: { id: requestId() } }),
    }),
  );
  if (tlsDir) {
    // A deployed API's own answers for what no route took and for what failed: JSON, the
    // security headers kept (Express's final handler replaces the CSP), no stack.
    app.use((_req, res) => res.status(404).json({ error: "not found" }));
    app.use((err, _req, res, _next) => {
      const status = err.status >= 400 && err.status < 500 ? err.status : 500;
      res.status(status).json({ error: status === 500 ? "internal error" : err.type || "bad request" });
    });
  }
  const tokens = Object.fromEntries(users.map((u) => [u.email.split("@")[0], u.token]));
  if (!tlsDir) {
    const listener = app.listen(0, "127.0.0.1", () => {
      process.stdout.write(JSON.stringify({ port: listener.address().port, tokens }) + "\n");
    });
    return;
  }
  const tls = { cert: fs.readFileSync(path.join(tlsDir, "cert.pem")), key: fs.readFileSync(path.join(tlsDir, "key.pem")) };
  const listener = https.createServer(tls, app).listen(0, "127.0.0.1", () => {
    const port = listener.address().port;
    // Plain HTTP: a permanent redirect to the same path over HTTPS.
    const redirector = http.createServer((req, res) => {
      res.writeHead(301, { Location: `https://127.0.0.1:${port}${req.url}` });
      res.end();
    });
    redirector.listen(0, "127.0.0.1", () => {
      const ready = { port, http_port: redirector.address().port, tokens, expired: expiredTokens[0] };
      process.stdout.write(JSON.stringify(ready) + "\n");
    });
  });
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
