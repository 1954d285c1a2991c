// The web build's chunks, from Vite's manifest (web/dist/.vite/manifest.json),
// and the assets a page fetched: the flow checks that the sign-in and list
// pages load the entry chunk alone and that the code editor and the charts
// come in their own chunks when a page shows them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";

/** Entry and lazy chunks by role: { entry, editor, chart } with `file` and `css`. */
export function readChunks(webRoot) {
  const manifestPath = path.join(webRoot, ".vite", "manifest.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const entry = Object.values(manifest).find((c) => c.isEntry);
  assert.ok(entry, `${manifestPath} names no entry chunk`);
  const lazy = (name) => {
    const key = (entry.dynamicImports ?? []).find((k) =>
      k.includes(`/${name}.`),
    );
    assert.ok(
      key,
      `the ${name} module is not a dynamic import of the entry chunk (manifest: ${manifestPath})`,
    );
    return manifest[key];
  };
  return {
    entry,
    editor: lazy("code_editor_view"),
    chart: lazy("line_chart_plot"),
  };
}

/** Records every /assets/ response of the page: path → { status, type }. */
export function watchAssets(page) {
  const fetched = new Map();
  page.on("response", (r) => {
    const p = new URL(r.url()).pathname;
    if (p.startsWith("/assets/"))
      fetched.set(p.slice(1), {
        status: r.status(),
        type: r.headers()["content-type"] ?? "",
      });
  });
  return fetched;
}

/** Asserts the chunk (and its stylesheets) came, served as JavaScript/CSS. */
export function assertLoaded(fetched, chunk, what) {
  const got = fetched.get(chunk.file);
  assert.ok(got, `the ${what} chunk ${chunk.file} was not fetched`);
  assert.equal(got.status, 200, `the ${what} chunk ${chunk.file}`);
  assert.match(got.type, /javascript/, `the ${what} chunk's content type`);
  for (const css of chunk.css ?? []) {
    assert.equal(
      fetched.get(css)?.status,
      200,
      `the ${what} stylesheet ${css}`,
    );
    assert.match(fetched.get(css).type, /text\/css/);
  }
}

export function assertNotLoaded(fetched, chunk, what, where) {
  assert.equal(
    fetched.has(chunk.file),
    false,
    `${where} fetched the ${what} chunk ${chunk.file}: it should come only with the pages that show it`,
  );
}
