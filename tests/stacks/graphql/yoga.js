// GraphQL Yoga 5 on Node's http server, right or wrong (argv[2]). Prints
// {"port":N,"tokens":{…}} once it listens; exits when stdin closes.
// wrong: GraphiQL served, errors unmasked, batching on, introspection on, no limits, no CSRF
// prevention. right: no GraphiQL, errors masked (the default), batching off (the default),
// introspection refused by graphql-js's NoSchemaIntrospectionCustomRule, graphql-armor's
// limits with suggestions blocked, and Yoga's CSRF prevention plugin.
// The complete app (issue 36's READY baseline on GraphQL): with TLS_DIR (cert.pem,
// key.pem), HTTPS, and plain HTTP on a second port redirecting to it; the right variant
// then also sends the browser security headers and no-store. ACCESS_LOG gets one line per
// request (method, path, status). LAUNCH_AUDIT_FLAW plants one mistake in the right
// variant: `introspection` leaves the schema handed out, `unmasked-errors` resolver errors
// as thrown.
const fs = require("node:fs");
const path = require("node:path");
const { createServer } = require("node:http");
const https = require("node:https");
const { createYoga, createSchema } = require("graphql-yoga");
const { NoSchemaIntrospectionCustomRule } = require("graphql");
const { EnvelopArmor } = require("@escape.tech/graphql-armor");
const { useCSRFPrevention } = require("@graphql-yoga/plugin-csrf-prevention");
const { typeDefs, resolvers, userOf, requestId, users, expiredTokens } = require("./schema");

const right = process.argv[2] === "right";
const flaw = process.env.LAUNCH_AUDIT_FLAW || "";
const FLAWS = ["introspection", "unmasked-errors"];
if (flaw && (!right || !FLAWS.includes(flaw))) {
  console.error(`LAUNCH_AUDIT_FLAW: one of ${FLAWS.join(", ")}, on the right variant`);
  process.exit(2);
}
const plugins = right
  ? [
      ...new EnvelopArmor({
        maxDepth: { n: 6 },
        maxAliases: { n: 10 },
        maxDirectives: { n: 10 },
        maxTokens: { n: 1000 },
        costLimit: { maxCost: 5000 },
        blockFieldSuggestion: { enabled: true },
      }).protect().plugins,
      ...(flaw === "introspection"
        ? []
        : [{ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) }]),
      useCSRFPrevention({ requestHeaders: ["x-graphql-yoga-csrf"] }),
    ]
  : [];

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers: resolvers(right) }),
  graphiql: !right,
  maskedErrors: right && flaw !== "unmasked-errors",
  batching: !right,
  // Right: only the app's own origin, with credentials; Yoga's default reflects any.
  cors: right ? { origin: ["https://app.acme.test"], credentials: true } : undefined,
  plugins,
  // Errors are the audit's to read from the answers; no log lines on a pipe nobody drains.
  logging: false,
  context: ({ request }) => ({ user: userOf(request.headers.get("authorization")), request: { id: requestId() } }),
});

const accessLog = process.env.ACCESS_LOG ? fs.createWriteStream(process.env.ACCESS_LOG, { flags: "a" }) : null;
const tlsDir = process.env.TLS_DIR;
function handle(req, res) {
  if (accessLog) {
    res.on("finish", () => accessLog.write(`${new Date().toISOString()} ${req.method} ${req.url.split("?")[0]} ${res.statusCode}\n`));
  }
  if (right && tlsDir) {
    res.setHeader("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    res.setHeader("Cache-Control", "no-store");
  }
  return yoga(req, res);
}

const server = tlsDir
  ? https.createServer(
      { cert: fs.readFileSync(path.join(tlsDir, "cert.pem")), key: fs.readFileSync(path.join(tlsDir, "key.pem")) },
      handle,
    )
  : createServer(handle);
server.listen(0, "127.0.0.1", () => {
  const port = server.address().port;
  const tokens = Object.fromEntries(users.map((u) => [u.email.split("@")[0], u.token]));
  if (!tlsDir) {
    process.stdout.write(JSON.stringify({ port, tokens }) + "\n");
    return;
  }
  // Plain HTTP: a permanent redirect to the same path over HTTPS.
  const redirector = createServer((req, res) => {
    res.writeHead(301, { Location: `https://127.0.0.1:${port}${req.url}` });
    res.end();
  });
  redirector.listen(0, "127.0.0.1", () => {
    const ready = { port, http_port: redirector.address().port, tokens, expired: expiredTokens[0] };
    process.stdout.write(JSON.stringify(ready) + "\n");
  });
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
