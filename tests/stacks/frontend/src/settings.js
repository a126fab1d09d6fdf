// The settings screen: a second lazily loaded chunk, in the webpack build only (its define
// turns SETTINGS_SCREEN on). With two chunks, webpack's runtime no longer inlines one hash
// in its chunk-URL function but maps each chunk id to its hash
// (`"assets/" + id + "." + {43: "…", 87: "…"}[id] + ".js"`), the form real builds have.
import { api } from "./main.js";

export async function show() {
  return api("/api/me");
}
