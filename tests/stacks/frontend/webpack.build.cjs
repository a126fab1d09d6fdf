// The same sources built by webpack 5 (its Node API; no CLI), into dist-webpack: the
// projects and settings screens become chunks that only the runtime's chunk-URL function
// names (`__webpack_require__.u = id => "assets/" + id + "." + {id: hash}[id] + ".js"`),
// since webpack compiles `import("./projects.js")` to `__webpack_require__.e(id)`, with no
// path left.
"use strict";

const fs = require("fs");
const path = require("path");
const webpack = require("webpack");

const out = path.resolve(__dirname, "dist-webpack");
fs.rmSync(out, { recursive: true, force: true });
webpack(
  {
    mode: "production",
    context: __dirname,
    entry: { main: "./src/main.js" },
    output: {
      path: out,
      publicPath: "/",
      filename: "assets/[name].[contenthash:8].js",
      chunkFilename: "assets/[id].[contenthash:8].js",
    },
    plugins: [
      new webpack.DefinePlugin({
        "import.meta.env.DEV": "false",
        // A second lazy chunk (src/settings.js): the runtime then maps ids to hashes.
        "import.meta.env.SETTINGS_SCREEN": "true",
        "import.meta.env.VITE_BILLING_KEY": JSON.stringify("pk_live_LaunchAuditPublishable000000000"),
      }),
    ],
  },
  (error, stats) => {
    if (error || stats.hasErrors()) {
      console.error(error || stats.toString("errors-only"));
      process.exit(1);
    }
    const main = Object.keys(stats.compilation.assets).find((a) => a.startsWith("assets/main."));
    fs.writeFileSync(
      path.join(out, "index.html"),
      `<!doctype html><html><head><title>Acme</title><script defer src="/${main}"></script></head><body><div id="root">Acme</div></body></html>\n`,
    );
  },
);
