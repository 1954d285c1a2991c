// Starts Debian's Chromium headless through playwright-core (which downloads
// no browser). playwright-core comes from web/node_modules, installed by the
// web build's `npm ci`.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Skip } from "./server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir =
  process.env.KAFKAML_SOURCE_DIR ?? path.resolve(here, "../..");

/** The built UI the server serves, and where the flows save screenshots. */
export const webRoot = path.join(sourceDir, "web", "dist");
export const shotDir =
  process.env.KAFKAML_SCREENSHOT_DIR ??
  path.join(
    process.env.KAFKAML_BUILD_DIR ?? path.join(sourceDir, "build"),
    "ui-screenshots",
  );

const started = Date.now();
/** A line of the flow's log, with the seconds since it started. */
export function log(m) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${m}`);
}

/** Skips unless the UI is built and Chromium is there; makes the screenshot directory. */
export function requireUiAndBrowser() {
  if (!existsSync(path.join(webRoot, "index.html")))
    throw new Skip(
      `the web UI is not built (${path.relative(sourceDir, webRoot)} is missing): run scripts/build`,
    );
  if (!existsSync(chromiumPath()))
    throw new Skip(
      `Chromium is missing at ${chromiumPath()}: apt-get install chromium`,
    );
  mkdirSync(shotDir, { recursive: true });
}

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

/**
 * Collects the page's console errors about the Content-Security-Policy:
 * Chromium logs every script, style, image or connection it refused under
 * it. The flows end with none.
 */
export function watchCsp(page, label = "page") {
  const violations = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content.Security.Policy/i.test(m.text()))
      violations.push(`${label}: ${m.text()}`);
  });
  return violations;
}

/**
 * The exit code of a flow that threw `e` after the steps `done`: 77 (CTest's
 * skip) for a Skip, with the checks it could not make (`skips`); else 1,
 * with the error and the end of the server's output.
 */
export function failureCode(e, { done, skips = [], server }) {
  log(`steps passed: ${done.join(", ") || "none"}`);
  if (e instanceof Skip) {
    for (const m of skips) log(`SKIP: ${m}`);
    if (!skips.includes(e.message)) log(`SKIP: ${e.message}`);
    return 77;
  }
  console.error(`FAIL: ${e.stack ?? e}`);
  if (server)
    console.error(`--- kafkaml up output ---\n${server.output().slice(-4000)}`);
  return 1;
}
