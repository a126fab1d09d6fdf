// Apollo Server 5 on Express 5 (@as-integrations/express5), right or wrong (argv[2]).
// Prints {"port":N,"tokens":{…}} once it listens; exits when stdin closes.
// wrong: introspection and Apollo's landing page on (its defaults outside production),
// stack traces and driver messages in errors, CSRF prevention off while the app parses
// urlencoded forms for every path (so a cross-site form posts a mutation), batched requests
// on, no depth or alias limit, field suggestions on.
// right: introspection off, the landing page off, internal errors masked by formatError,
// CSRF prevention on (the default), batching off (the default), and graphql-armor's limits
// (depth, aliases, directives, tokens, cost) with suggestions blocked.
const express = require("express");
const { ApolloServer } = require("@apollo/server");
const { expressMiddleware } = require("@as-integrations/express5");
const { ApolloServerPluginLandingPageDisabled } = require("@apollo/server/plugin/disabled");
const { unwrapResolverError } = require("@apollo/server/errors");
const { ApolloArmor } = require("@escape.tech/graphql-armor");
const { typeDefs, resolvers, userOf, requestId, users } = require("./schema");

const right = process.argv[2] === "right";
const armor = right
  ? new ApolloArmor({
      maxDepth: { n: 6 },
      maxAliases: { n: 10 },
      maxDirectives: { n: 10 },
      maxTokens: { n: 1000 },
      costLimit: { maxCost: 5000 },
      blockFieldSuggestion: { enabled: true },
    }).protect()
  : { plugins: [], validationRules: [] };

const server = new ApolloServer({
  typeDefs,
  resolvers: resolvers(right),
  introspection: !right,
  includeStacktraceInErrorResponses: !right,
  csrfPrevention: right,
  allowBatchedHttpRequests: !right,
  plugins: [...armor.plugins, ...(right ? [ApolloServerPluginLandingPageDisabled()] : [])],
  validationRules: armor.validationRules,
  // Apollo's documented way to keep internals out of answers: errors the app did not
  // raise on purpose (no code of its own) become a generic message.
  formatError: right
    ? (formatted, error) =>
        unwrapResolverError(error) instanceof Error && formatted.extensions?.code === "INTERNAL_SERVER_ERROR"
          ? { message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }
          : formatted
    : undefined,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});

server.start().then(() => {
  const app = express();
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
  // reads to write [[graphql]]).
  app.get("/", (_req, res) => {
    res.type("html").send(`<!doctype html><title>Invoices</title><div id="root"></div><script>
      const INVOICE = "query Invoice($id: ID!) { invoice(id: $id) { id title amount } }";
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
  app.use(
    "/graphql",
    express.json(),
    expressMiddleware(server, {
      context: async ({ req }) => ({ user: userOf(req.headers.authorization), request: { id: requestId() } }),
    }),
  );
  const listener = app.listen(0, "127.0.0.1", () => {
    const tokens = Object.fromEntries(users.map((u) => [u.email.split("@")[0], u.token]));
    process.stdout.write(JSON.stringify({ port: listener.address().port, tokens }) + "\n");
  });
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
