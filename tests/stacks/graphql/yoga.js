// GraphQL Yoga 5 on Node's http server, right or wrong (argv[2]). Prints
// {"port":N,"tokens":{…}} once it listens; exits when stdin closes.
// wrong: GraphiQL served, errors unmasked, batching on, introspection on, no limits, no CSRF
// prevention. right: no GraphiQL, errors masked (the default), batching off (the default),
// introspection refused by graphql-js's NoSchemaIntrospectionCustomRule, graphql-armor's
// limits with suggestions blocked, and Yoga's CSRF prevention plugin.
const { createServer } = require("node:http");
const { createYoga, createSchema } = require("graphql-yoga");
const { NoSchemaIntrospectionCustomRule } = require("graphql");
const { EnvelopArmor } = require("@escape.tech/graphql-armor");
const { useCSRFPrevention } = require("@graphql-yoga/plugin-csrf-prevention");
const { typeDefs, resolvers, userOf, requestId, users } = require("./schema");

const right = process.argv[2] === "right";
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
      { onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) },
      useCSRFPrevention({ requestHeaders: ["x-graphql-yoga-csrf"] }),
    ]
  : [];

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers: resolvers(right) }),
  graphiql: !right,
  maskedErrors: right,
  batching: !right,
  plugins,
  // Errors are the audit's to read from the answers; no log lines on a pipe nobody drains.
  logging: false,
  context: ({ request }) => ({ user: userOf(request.headers.get("authorization")), request: { id: requestId() } }),
});

const server = createServer(yoga);
server.listen(0, "127.0.0.1", () => {
  const tokens = Object.fromEntries(users.map((u) => [u.email.split("@")[0], u.token]));
  process.stdout.write(JSON.stringify({ port: server.address().port, tokens }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
