// Two builds of the same sources (LAUNCH_AUDIT_BUILD=right|wrong): the wrong one ships a
// live secret in the lazily loaded chunk and serves hidden source maps (no comment points
// at them; they sit next to each chunk), as `build.sourcemap: "hidden"` does.
import { defineConfig } from "vite";

const wrong = process.env.LAUNCH_AUDIT_BUILD === "wrong";

export default defineConfig({
  define: {
    // The settings screen is webpack's second chunk only (webpack.build.cjs).
    "import.meta.env.SETTINGS_SCREEN": "false",
    "import.meta.env.VITE_BILLING_KEY": JSON.stringify(
      wrong ? "sk_live_LaunchAuditLazyChunk000000000000" : "pk_live_LaunchAuditPublishable000000000",
    ),
  },
  build: {
    sourcemap: wrong ? "hidden" : false,
    emptyOutDir: true,
    // The chunk is a separate file even this small: it is what the discovery reads.
    modulePreload: false,
  },
});
