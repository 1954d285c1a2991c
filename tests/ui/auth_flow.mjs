#!/usr/bin/env node
// UI test: users, roles and tokens through the web UI against the real
// `kafkaml up`. The admin signs in with the token the server printed, adds
// a viewer and an operator, and creates a token for each, read from the box
// that shows it once (the tokens page never shows it again). In a second
// browser the viewer finds no control that changes anything and the form
// URLs say the role needed; the operator can create but not delete. The
// admin revokes the viewer's token while the viewer is signed in: the
// viewer's next call returns to the sign-in page with the server's message.
// The audit log lists the changes and the refused calls, by whom. The UI comes with its
// Content-Security-Policy and neither browser logs a violation of it.
//
// Exit codes: 0 passed; 77 (CTest "skipped") when the server has no users
// and tokens yet; 1 on a failure.
import assert from "node:assert/strict";
import path from "node:path";
import {
  failureCode,
  launchBrowser,
  log,
  requireUiAndBrowser,
  shotDir,
  watchCsp,
  webRoot,
} from "./browser.mjs";
import { Skip, startKafkaml } from "./server.mjs";

/** A call to the API with `token`; the answer's status and JSON. */
async function call(baseUrl, token, method, route, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(`${baseUrl}/api/v1${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, json: await r.json().catch(() => null) };
}

/** A browser window of its own (its own localStorage, so its own session). */
async function openWindow(name) {
  const browser = await launchBrowser();
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const csp = watchCsp(page, name);
  const errors = [];
  page.on("pageerror", (e) => errors.push(`${name}: ${e.message}`));
  return { browser, page, csp, errors };
}

async function main() {
  const done = [];
  let server;
  const windows = [];
  try {
    requireUiAndBrowser();
    server = await startKafkaml({ webRoot, log });
    const baseUrl = server.url;
    const admin = server.token;
    log(`kafkaml ${server.command} at ${baseUrl}`);

    const step = async (name, fn) => {
      log(`step: ${name}`);
      await fn();
      done.push(name);
    };

    await step("the server knows users and tokens", async () => {
      const who = await call(baseUrl, admin, "GET", "/whoami");
      if (who.status === 404)
        throw new Skip("the server has no users and tokens yet (no whoami)");
      assert.equal(who.status, 200, JSON.stringify(who.json));
      assert.equal(who.json.user.role, "admin");
      const anonymous = await fetch(`${baseUrl}/api/v1/models`);
      assert.equal(anonymous.status, 401, "a call without a token");
    });

    await step("the UI comes with its Content-Security-Policy", async () => {
      for (const p of ["/", "/models", "/users"]) {
        const r = await fetch(baseUrl + p);
        assert.equal(r.status, 200, `GET ${p}`);
        const csp = r.headers.get("content-security-policy") ?? "";
        assert.match(csp, /default-src 'self'/, `GET ${p}: CSP "${csp}"`);
        assert.match(csp, /frame-ancestors 'none'/, `GET ${p}: CSP "${csp}"`);
        assert.doesNotMatch(
          /script-src([^;]*)/.exec(csp)?.[1] ?? "",
          /unsafe-inline|unsafe-eval/,
          `GET ${p}: scripts are this origin's only: "${csp}"`,
        );
        const html = await r.text();
        assert.doesNotMatch(
          html,
          /<script(?![^>]*\bsrc=)[^>]*>/,
          `GET ${p} has an inline script`,
        );
      }
    });

    const A = await openWindow("admin");
    windows.push(A);
    const B = await openWindow("viewer/operator");
    windows.push(B);
    const go = (w, p) =>
      w.page.goto(baseUrl + p, { waitUntil: "domcontentloaded" });
    const shot = (w, name) =>
      w.page.screenshot({
        path: path.join(shotDir, `auth-${name}.png`),
        fullPage: true,
      });
    const signIn = async (w, token) => {
      await go(w, "/");
      await w.page.waitForSelector("input[name=token]");
      await w.page.fill("input[name=token]", token);
      await w.page.click("button[type=submit]");
      await w.page.waitForSelector(".session .session-user");
    };
    const signOut = async (w) => {
      await w.page.click(".session .sign-out");
      await w.page.waitForSelector("input[name=token]");
    };
    // The navigation's labels, without their step numbers.
    const navLabels = (w) =>
      w.page.$$eval("nav .steps a", (as) =>
        as.map((a) =>
          a.textContent
            .slice(a.querySelector(".step-no")?.textContent.length ?? 0)
            .trim(),
        ),
      );

    const { id: adminId, name: adminName } = (
      await call(baseUrl, admin, "GET", "/whoami")
    ).json.user;
    // Something to list, so that a list's row controls can be looked for.
    const model = await call(baseUrl, admin, "POST", "/models", {
      name: "roles-check",
      description: "",
      imports: "",
      code: "model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])\nmodel.compile(optimizer='adam', loss='mse')\n",
    });
    assert.equal(model.status, 201, JSON.stringify(model.json));

    await step("the admin signs in and sees the admin pages", async () => {
      await signIn(A, admin);
      assert.equal(
        (await A.page.textContent(".session .session-user")).trim(),
        adminName,
      );
      assert.equal(
        (await A.page.textContent(".session .role")).trim(),
        "admin",
      );
      const labels = await navLabels(A);
      for (const l of ["Users", "Tokens", "Audit log"])
        assert.ok(labels.includes(l), `admin navigation: ${labels}`);
      await go(A, "/models");
      await A.page.waitForSelector(
        `tr:has(a[href="/models/${model.json.id}"]) button.danger`,
      );
      await A.page.waitForSelector('a:has-text("New model")');
    });

    await step("the admin adds a viewer and an operator", async () => {
      await go(A, "/users");
      for (const [name, role] of [
        ["vera", "viewer"],
        ["otto", "operator"],
      ]) {
        await A.page.fill("input[name=user_name]", name);
        await A.page.selectOption("select[name=user_role]", role);
        await A.page.click('button:has-text("Add user")');
        await A.page.waitForSelector(`tr[data-user="${name}"]`);
        assert.equal(
          await A.page.inputValue(`tr[data-user="${name}"] select`),
          role,
        );
      }
      // The last admin cannot go: the server's 409 is shown.
      A.page.once("dialog", (d) => d.accept());
      await A.page.click(`tr[data-user="${adminName}"] button.danger`);
      const refused = await A.page.waitForSelector(".error-box");
      const direct = await call(baseUrl, admin, "DELETE", `/users/${adminId}`);
      assert.equal(direct.status, 409, JSON.stringify(direct.json));
      assert.ok(
        (await refused.textContent()).includes(direct.json.error),
        `the 409's message "${direct.json.error}" is shown: ${await refused.textContent()}`,
      );
      await shot(A, "users");
    });

    const secrets = {};
    await step("the admin creates a token for each, shown once", async () => {
      await go(A, "/tokens");
      for (const [user, name, days] of [
        ["vera", "vera-laptop", ""],
        ["otto", "otto-ci", "7"],
      ]) {
        await A.page.waitForSelector(
          `select[name=token_user] option:has-text("${user} (")`,
          { state: "attached" },
        );
        const option = await A.page.$eval(
          "select[name=token_user]",
          (s, u) =>
            [...s.options].find((o) => o.text.startsWith(`${u} `))?.value,
          user,
        );
        assert.ok(option, `the user ${user} is offered`);
        await A.page.selectOption("select[name=token_user]", option);
        await A.page.fill("input[name=token_name]", name);
        await A.page.fill("input[name=expires_in_days]", days);
        await A.page.click('button:has-text("Create token")');
        const box = await A.page.waitForSelector(".new-token");
        assert.match(await box.textContent(), /will not be shown again/);
        await A.page.waitForSelector('.new-token button:has-text("Copy")');
        secrets[user] = (await A.page.textContent(".token-secret")).trim();
        assert.ok(secrets[user].length >= 16, `the secret: ${secrets[user]}`);
        if (user === "vera") await shot(A, "token-shown-once");
        await A.page.click('.new-token button:has-text("Done")');
        await A.page.waitForSelector(".new-token", { state: "detached" });
        await A.page.waitForSelector(`tr[data-token="${name}"]`);
      }
      const expiry = (name) =>
        A.page.textContent(`tr[data-token="${name}"] .token-expires`);
      assert.equal((await expiry("vera-laptop")).trim(), "never");
      assert.notEqual((await expiry("otto-ci")).trim(), "never");
      await A.page.reload({ waitUntil: "domcontentloaded" });
      await A.page.waitForSelector('tr[data-token="otto-ci"]');
      const text = await A.page.textContent("body");
      assert.equal(await A.page.$(".token-secret"), null);
      for (const s of Object.values(secrets))
        assert.ok(
          !text.includes(s),
          "a reload of the tokens page shows no secret",
        );
      await shot(A, "tokens");
    });

    await step("the viewer sees nothing that changes things", async () => {
      await signIn(B, secrets.vera);
      assert.equal(
        (await B.page.textContent(".session .session-user")).trim(),
        "vera",
      );
      assert.equal(
        (await B.page.textContent(".session .role")).trim(),
        "viewer",
      );
      const labels = await navLabels(B);
      assert.ok(
        !labels.includes("Users") && !labels.includes("Audit log"),
        `viewer navigation: ${labels}`,
      );
      await go(B, "/models");
      await B.page.waitForSelector(`a[href="/models/${model.json.id}"]`);
      for (const [p, what] of [
        ["/models", "New model|Configure|Delete"],
        ["/configurations", "New configuration|Deploy|Delete"],
        ["/deployments", "Deploy for training|Delete|Stop"],
        ["/inferences", "Deploy for inference|Delete|Stop|Scale"],
        ["/datasources", "Send|Delete"],
      ]) {
        await go(B, p);
        await B.page.waitForSelector(".page-header h1");
        await B.page.waitForLoadState("networkidle");
        const controls = await B.page.$$eval(
          ".content a.button, .content button",
          (es) => es.map((e) => e.textContent.trim()),
        );
        const offered = controls.filter((c) =>
          new RegExp(`^(${what})$`).test(c),
        );
        assert.deepEqual(
          offered,
          [],
          `the viewer is offered on ${p}: ${controls}`,
        );
      }
      for (const [p, role] of [
        ["/models/new", "operator"],
        ["/configurations/new", "operator"],
        ["/deployments/new", "operator"],
        ["/inferences/new", "operator"],
        ["/users", "admin"],
        ["/tokens", "admin"],
        ["/audit", "admin"],
      ]) {
        await go(B, p);
        const note = await B.page.waitForSelector(".role-needed");
        assert.match(
          await note.textContent(),
          new RegExp(`needs the ${role} role`),
          p,
        );
        assert.equal(
          await B.page.$(".content form button[type=submit]"),
          null,
          `${p} offers a submit`,
        );
      }
      await shot(B, "viewer-form-url");
      // A model's page shows its code but cannot save it.
      await go(B, `/models/${model.json.id}`);
      await B.page.waitForSelector(
        '.role-needed:has-text("Saving needs the operator role")',
      );
      // What the UI hides, the server refuses with the role needed.
      const refused = await call(baseUrl, secrets.vera, "POST", "/models", {
        name: "not-allowed",
        description: "",
        imports: "",
        code: "",
      });
      assert.equal(refused.status, 403, JSON.stringify(refused.json));
      assert.match(JSON.stringify(refused.json), /operator/);
      await signOut(B);
    });

    await step("the operator creates but does not delete", async () => {
      await signIn(B, secrets.otto);
      assert.equal(
        (await B.page.textContent(".session .role")).trim(),
        "operator",
      );
      const labels = await navLabels(B);
      assert.ok(!labels.includes("Users"), `operator navigation: ${labels}`);
      await go(B, "/models");
      await B.page.waitForSelector(`a[href="/models/${model.json.id}"]`);
      await B.page.waitForSelector('a:has-text("New model")');
      assert.equal(
        await B.page.$(".content button.danger"),
        null,
        "the operator is offered a delete",
      );
      // ...and does: a model through the form (the audit log shows it).
      await go(B, "/models/new");
      await B.page.waitForSelector(".cm-content");
      // The editor's styles are a constructed stylesheet: the page inserts
      // no <style> element, so it works under a CSP without inline styles.
      assert.equal(await B.page.$$eval("style", (s) => s.length), 0);
      await B.page.fill("input[name=name]", "by-operator");
      await B.page.click(".content form button[type=submit]");
      await B.page.waitForSelector('.ok:has-text("Saved")', { timeout: 15000 });
      await go(B, "/users");
      await B.page.waitForSelector(
        '.role-needed:has-text("needs the admin role")',
      );
      await signOut(B);
    });

    await step("a revoked token's session returns to sign-in", async () => {
      await signIn(B, secrets.vera);
      await go(B, "/models");
      await B.page.waitForSelector(`a[href="/models/${model.json.id}"]`);
      await go(A, "/tokens");
      A.page.once("dialog", (d) => d.accept());
      await A.page.click(
        'tr[data-token="vera-laptop"] button:has-text("Revoke")',
      );
      await A.page.waitForSelector(
        'tr[data-token="vera-laptop"] .badge:has-text("revoked")',
      );
      const refused = await call(baseUrl, secrets.vera, "GET", "/whoami");
      assert.equal(refused.status, 401, JSON.stringify(refused.json));
      // The viewer's next call (a click in the navigation) is refused.
      await B.page.click('nav a[href="/configurations"]');
      const box = await B.page.waitForSelector(".session-ended");
      await B.page.waitForSelector("input[name=token]");
      assert.ok(
        (await box.textContent()).includes(refused.json.error),
        `the server's message "${refused.json.error}" is shown: ${await box.textContent()}`,
      );
      await shot(B, "revoked");
    });

    await step("the audit log lists the calls", async () => {
      await go(A, "/audit");
      await A.page.waitForSelector("tr.audit-entry");
      const rows = await A.page.$$eval("tr.audit-entry", (trs) =>
        trs.map((tr) => ({
          id: Number(tr.dataset.id),
          who: tr.querySelector(".audit-who").textContent.trim(),
          what: tr.querySelector(".audit-what").textContent.trim(),
          status: Number(tr.querySelector(".audit-status").textContent),
        })),
      );
      const has = (who, what, status) =>
        rows.some(
          (r) =>
            r.who === who &&
            r.what.startsWith(what) &&
            (status === undefined || r.status === status),
        );
      assert.ok(
        has(adminName, "POST /api/v1/users", 201),
        "the admin's new users",
      );
      assert.ok(
        has(adminName, "POST /api/v1/tokens", 201),
        "the admin's new tokens",
      );
      const revocation = rows.find(
        (r) =>
          r.who === adminName && r.what.startsWith("DELETE /api/v1/tokens/"),
      );
      assert.ok(revocation, "the revocation");
      assert.ok(
        has("vera", "POST /api/v1/models", 403),
        "the viewer's refused call",
      );
      assert.ok(
        has("otto", "POST /api/v1/models", 201),
        "the operator's model",
      );
      assert.ok(
        rows.some((r) => r.status === 401 && r.id > revocation.id),
        "the revoked token's refused calls",
      );
      // Newest first.
      const ids = rows.map((r) => r.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => b - a),
      );
      await shot(A, "audit");
    });

    await step("the admin pages fit a phone's screen", async () => {
      await A.page.setViewportSize({ width: 390, height: 844 });
      for (const p of ["/users", "/tokens", "/audit", "/models/new"]) {
        await go(A, p);
        await A.page.waitForSelector(".page-header h1");
        await A.page.waitForTimeout(300);
        const wider = await A.page.evaluate(
          () =>
            document.documentElement.scrollWidth -
            document.documentElement.clientWidth,
        );
        assert.ok(wider <= 0, `${p} is ${wider}px wider than a phone`);
        await shot(A, `phone${p.replaceAll("/", "-")}`);
      }
    });

    for (const w of windows) {
      assert.deepEqual(w.errors, [], "the pages threw");
      assert.deepEqual(w.csp, [], "Content-Security-Policy violations");
    }
    log(`PASS: ${done.length} steps; screenshots in ${shotDir}`);
    return 0;
  } catch (e) {
    return failureCode(e, { done, server });
  } finally {
    for (const w of windows) await w.browser.close();
    await server?.stop();
  }
}

process.exitCode = await main();
