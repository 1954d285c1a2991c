// Starts Debian's Chromium headless through playwright-core (which downloads
// no browser). playwright-core comes from web/node_modules, installed by the
// web build's `npm ci`.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir =
  process.env.KAFKAML_SOURCE_DIR ?? path.resolve(here, "../..");

function loadPlaywright() {
  const require = createRequire(path.join(sourceDir, "web", "package.json"));
  try {
    return require("playwright-core");
  } catch {
    throw new Error(
      "playwright-core is missing: run `npm ci` in web/ (scripts/build does it).",
    );
  }
}

export function chromiumPath() {
  return process.env.KAFKAML_CHROMIUM ?? "/usr/bin/chromium";
}

/** Launches headless Chromium with a fresh profile; close() removes the profile. */
export async function launchBrowser() {
  const { chromium } = loadPlaywright();
  const profile = mkdtempSync(path.join(tmpdir(), "kafkaml-ui-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1366, height: 768 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
