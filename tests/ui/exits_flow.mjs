#!/usr/bin/env node
// UI test: an early-exit inference through the web UI against the real
// `kafkaml up`. A model with two outputs is trained locally (`kafkaml model
// fit`) and uploaded to its deployment's result, stopped with an exit table,
// as a training job reports them. The result page shows the exit table; the
// deploy form offers one stage per exit: it sends `exits` with the
// first stage's threshold and each stage's replicas. The inference's page
// shows its stages table, changes the first stage's threshold (the server
// keeps it) and shows the server's refusal of a threshold above 1. The
// original's distributed sub-models: the model form makes one below an
// upper model, and the configuration form offers only the chain's top.
//
// It exits 0 when it passed, 77 (skipped for CTest) when the UI, Chromium
// or a part of the server is missing, and 1 when a step failed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ui from "./browser.mjs";
import { kafkamlBin, startKafkaml } from "./server.mjs";

const CLOUD = `cloud_input = keras.Input(shape=8, name='cloud_input')
cloud_output = tf.keras.layers.Dense(2, activation='softmax', name='cloud_output')(cloud_input)
cloud_model = keras.Model(inputs=cloud_input, outputs=[cloud_output])
`;

const EDGE = `edge_input = keras.Input(shape=(4,), name='edge_input')
to_cloud = tf.keras.layers.Dense(8, activation='relu', name='to_cloud')(edge_input)
edge_output = tf.keras.layers.Dense(2, activation='softmax', name='edge_output')(to_cloud)
edge_model = keras.Model(inputs=[edge_input], outputs=[to_cloud, edge_output])
`;

const TWO_EXITS = `import tensorflow as tf
from tensorflow.keras import layers
x_in = tf.keras.Input(shape=(4,), name="x")
h = layers.Dense(8, activation="relu")(x_in)
early = layers.Dense(2, activation="softmax", name="early")(h)
deep = layers.Dense(8, activation="relu")(h)
late = layers.Dense(2, activation="softmax", name="late")(deep)
model = tf.keras.Model(inputs=x_in, outputs=[early, late])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
`;

/** The exit table a training job reports in val_metrics.exits. */
const EXITS = [
  {
    index: 0,
    name: "early",
    metrics: { loss: 0.41, accuracy: 0.81 },
    thresholds: [
      { threshold: 0.5, count: 100, share: 1, accuracy: 0.81 },
      { threshold: 0.9, count: 60, share: 0.6, accuracy: 0.95 },
    ],
    thresholds_by_confidence: {
      margin: [
        { threshold: 0.5, count: 70, share: 0.7, accuracy: 0.88 },
        { threshold: 0.9, count: 20, share: 0.2, accuracy: 0.99 },
      ],
    },
  },
  {
    index: 1,
    name: "late",
    metrics: { loss: 0.3, accuracy: 0.9 },
    thresholds: [
      { threshold: 0.5, count: 100, share: 1, accuracy: 0.9 },
      { threshold: 0.9, count: 0, share: 0, accuracy: null },
    ],
  },
];

/** A call to the API with `token`; the answer's status and JSON. */
async function call(baseUrl, token, method, route, body, type) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = type ?? "application/json";
  const r = await fetch(`${baseUrl}/api/v1${route}`, {
    method,
    headers,
    body:
      body === undefined || type !== undefined ? body : JSON.stringify(body),
  });
  return { status: r.status, json: await r.json().catch(() => null) };
}

/** The two-output model trained on a few rows, as the file a training job uploads. */
function trainTwoExits(dir) {
  const rows = ["a,b,c,d,label"];
  for (let i = 0; i < 64; ++i) {
    const c = i % 2;
    rows.push(`${c},${1 - c},${(i % 5) / 5},${(i % 3) / 3},${c}`);
  }
  writeFileSync(path.join(dir, "rows.csv"), rows.join("\n") + "\n");
  writeFileSync(path.join(dir, "model.py"), TWO_EXITS);
  const out = path.join(dir, "model.kafkaml");
  const r = spawnSync(
    kafkamlBin(),
    [
      "model",
      "fit",
      path.join(dir, "model.py"),
      "--data",
      path.join(dir, "rows.csv"),
      "--label-column",
      "label",
      "--kwargs",
      "epochs=2",
      "--output",
      out,
    ],
    { encoding: "utf8", timeout: 120000 },
  );
  assert.equal(r.status, 0, `kafkaml model fit: ${r.stdout}${r.stderr}`);
  return readFileSync(out);
}

async function main() {
  const done = [];
  let server;
  let browser;
  const dir = mkdtempSync(path.join(tmpdir(), "kafkaml-ui-exits-"));
  try {
    ui.requireUiAndBrowser();
    server = await startKafkaml({ webRoot: ui.webRoot, log: ui.log });
    const baseUrl = server.url;
    const token = server.token;
    const api = (method, route, body, type) =>
      call(baseUrl, token, method, route, body, type);
    const step = async (name, fn) => {
      ui.log(`step: ${name}`);
      await fn();
      done.push(name);
    };

    browser = await ui.launchBrowser();
    const page =
      browser.context.pages()[0] ?? (await browser.context.newPage());
    const csp = ui.watchCsp(page, "exits");
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const shot = (name) =>
      page.screenshot({
        path: path.join(ui.shotDir, `exits-${name}.png`),
        fullPage: true,
      });
    await page.goto(baseUrl + "/", { waitUntil: "domcontentloaded" });
    await page.fill("input[name=token]", token);
    await page.click("button[type=submit]");
    await page.waitForSelector(".session .session-user");

    let resultId;
    await step("a stopped result holds a two-exit model", async () => {
      const model = await api("POST", "/models", {
        name: "two exits",
        code: TWO_EXITS,
      });
      assert.equal(model.status, 201, JSON.stringify(model.json));
      const configuration = await api("POST", "/configurations", {
        name: "exits",
        ml_models: [model.json.id],
      });
      assert.equal(
        configuration.status,
        201,
        JSON.stringify(configuration.json),
      );
      const deployment = await api("POST", "/deployments", {
        configuration: configuration.json.id,
        batch: 10,
        kwargs_fit: "epochs=1",
        kwargs_val: "",
      });
      assert.equal(deployment.status, 201, JSON.stringify(deployment.json));
      const results = await api("GET", "/results");
      const result = results.json.find(
        (r) => r.deployment === deployment.json.id,
      );
      assert.ok(result, JSON.stringify(results.json));
      resultId = result.id;
      const put = await api(
        "PUT",
        `/results/${resultId}/model`,
        trainTwoExits(dir),
        "application/octet-stream",
      );
      assert.equal(put.status, 204, JSON.stringify(put.json));
      // The job ends as a stopped training does, with its metrics and the
      // exit table in them.
      const reported = await api("POST", `/results/${resultId}/status`, {
        status: "stopped",
        val_metrics: { loss: 0.5, exits: EXITS },
      });
      assert.equal(reported.status, 200, JSON.stringify(reported.json));
    });

    await step("the result page shows the exit table", async () => {
      await page.goto(`${baseUrl}/results/${resultId}`, {
        waitUntil: "domcontentloaded",
      });
      const rows = page.locator("table.exits tbody tr");
      await rows.first().waitFor();
      assert.equal(await rows.count(), 2);
      const head = await page.locator("table.exits thead").innerText();
      assert.match(head, /accuracy/i, head);
      assert.match(head, /≥ 0\.9/, head);
      const early = await rows.nth(0).innerText();
      assert.match(early, /early/i, early);
      assert.match(early, /0\.81/, `the early exit's accuracy: ${early}`);
      assert.match(early, /60% · 95%/, `at 0.9: ${early}`);
      const late = await rows.nth(1).innerText();
      assert.match(late, /100% · 90%/, `the last exit at 0.5: ${late}`);
      await shot("result");
      // The table by another confidence rule.
      await page.getByLabel("Exit table confidence").selectOption("margin");
      await page.waitForFunction(() =>
        document
          .querySelector("table.exits tbody tr")
          ?.textContent.includes("20% · 99%"),
      );
      const byMargin = await rows.nth(0).innerText();
      assert.match(byMargin, /70% · 88%/, `by margin at 0.5: ${byMargin}`);
      assert.match(
        await rows.nth(1).innerText(),
        /—/,
        "the last exit has no margin table here",
      );
    });

    let inferenceId;
    await step("the deploy form sends two stages as exits", async () => {
      await page.goto(`${baseUrl}/inferences/new?result=${resultId}`, {
        waitUntil: "domcontentloaded",
      });
      // The result's exit table says the model has two exits.
      await page.waitForSelector("input[name=exit_threshold_0]");
      assert.equal(await page.inputValue("input[name=stages]"), "2");
      assert.equal(
        await page.locator("input[name=exit_threshold_1]").count(),
        0,
        "the last stage has no threshold",
      );
      await page.selectOption("select[name=input_format]", "RAW");
      await page.fill(
        "textarea[name=input_config]",
        JSON.stringify({ data_type: "float32", data_reshape: "4" }),
      );
      await page.fill("input[name=exit_threshold_0]", "0.8");
      await page.fill("input[name=exit_replicas_0]", "2");
      await page.selectOption("select[name=exit_confidence_0]", "margin");
      await shot("form");
      const [request] = await Promise.all([
        page.waitForRequest(
          (r) =>
            r.method() === "POST" && r.url().endsWith("/api/v1/inferences"),
        ),
        page.click("form.form button[type=submit]"),
      ]);
      const body = request.postDataJSON();
      assert.deepEqual(
        body.exits,
        [
          { threshold: 0.8, confidence: "margin", replicas: 2 },
          { replicas: 1 },
        ],
        JSON.stringify(body),
      );
      await page.waitForURL(/\/inferences\/\d+$/);
      inferenceId = Number(/\/inferences\/(\d+)$/.exec(page.url())[1]);
      const stored = await api("GET", `/inferences/${inferenceId}`);
      assert.equal(stored.json.exits.length, 2, JSON.stringify(stored.json));
      assert.equal(stored.json.exits[0].confidence, "margin");
    });

    await step("the inference page shows the stages", async () => {
      await page.waitForSelector("table.stages tr.stage-row");
      const rows = page.locator("table.stages tbody tr");
      assert.equal(await rows.count(), 2);
      const first = await rows.nth(0).innerText();
      assert.match(first, /\/2/, `stage 0 asks 2 replicas: ${first}`);
      assert.match(first, /by margin/, `stage 0's rule is shown: ${first}`);
      const last = await rows.nth(1).innerText();
      assert.match(last, /answers all/, last);
      assert.match(last, new RegExp(`inference-${resultId}-out-stage-1`), last);
      await shot("stages");
    });

    await step("a stage's threshold changes while it runs", async () => {
      const input = page.locator(
        "table.stages input[aria-label='Stage 0 threshold']",
      );
      await input.fill("0.6");
      await page.locator("table.stages button", { hasText: "Set" }).click();
      let thresholds;
      for (let t = 0; t < 50; ++t) {
        thresholds = (await api("GET", `/inferences/${inferenceId}/exits`)).json
          ?.thresholds;
        if (thresholds?.[0] === 0.6) break;
        await page.waitForTimeout(100);
      }
      assert.equal(thresholds?.[0], 0.6, JSON.stringify(thresholds));
    });

    await step(
      "the server's refusal of a threshold above 1 is shown",
      async () => {
        const input = page.locator(
          "table.stages input[aria-label='Stage 0 threshold']",
        );
        // The button is live once the page has the stored 0.6.
        await page
          .locator("table.stages button:disabled", { hasText: "Set" })
          .waitFor();
        await input.fill("1.5");
        await page.locator("table.stages button", { hasText: "Set" }).click();
        const error = page.locator("table.stages .error-inline");
        await error.waitFor();
        const text = await error.innerText();
        assert.ok(text.length > 0, "the error says something");
        const thresholds = (
          await api("GET", `/inferences/${inferenceId}/exits`)
        ).json.thresholds;
        assert.equal(thresholds[0], 0.6, "the refused threshold was not kept");
        await shot("refused");
      },
    );

    await step(
      "a distributed sub-model is made under its upper model",
      async () => {
        const cloud = await api("POST", "/models", {
          name: "cloud",
          distributed: true,
          code: CLOUD,
        });
        assert.equal(cloud.status, 201, JSON.stringify(cloud.json));
        await page.goto(`${baseUrl}/models/new`, {
          waitUntil: "domcontentloaded",
        });
        await page.waitForSelector(".cm-content");
        await page.fill("input[name=name]", "edge");
        await page.click(".cm-content");
        await page.keyboard.press("Control+A");
        await page.keyboard.press("Delete");
        await page.keyboard.insertText(EDGE);
        await page.check("input[name=distributed]");
        await page
          .getByLabel("Upper model")
          .selectOption(String(cloud.json.id));
        await page.click("button[type=submit]");
        await page.waitForURL(/\/models\/\d+$/);
        const id = Number(/\/models\/(\d+)$/.exec(page.url())[1]);
        const edge = await api("GET", `/models/${id}`);
        assert.equal(edge.json.distributed, true, JSON.stringify(edge.json));
        assert.equal(
          edge.json.father,
          cloud.json.id,
          JSON.stringify(edge.json),
        );
        // Reloaded, the form shows what was stored.
        await page.reload({ waitUntil: "domcontentloaded" });
        await page.waitForFunction(
          (father) =>
            document.querySelector("select[name=father]")?.value ===
            String(father),
          cloud.json.id,
        );
        // The configuration form offers the chain's top, not the sub-model.
        await page.goto(`${baseUrl}/configurations/new`, {
          waitUntil: "domcontentloaded",
        });
        await page.waitForSelector(
          `input[name=model][value="${cloud.json.id}"]`,
        );
        assert.equal(
          await page.locator(`input[name=model][value="${id}"]`).count(),
          0,
          "a sub-model below the top is not offered",
        );
        await shot("distributed");
      },
    );

    await step("the stages fit a phone's screen", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const p of [
        `/inferences/new?result=${resultId}`,
        `/inferences/${inferenceId}`,
        `/results/${resultId}`,
      ]) {
        await page.goto(baseUrl + p, { waitUntil: "domcontentloaded" });
        await page.waitForSelector(
          "table.stages-form, table.stages, table.exits",
        );
        await page.waitForTimeout(300);
        const wider = await page.evaluate(
          () =>
            document.documentElement.scrollWidth -
            document.documentElement.clientWidth,
        );
        const widest = await page.evaluate(() =>
          [...document.querySelectorAll("*")]
            .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
            .slice(0, 6)
            .map(
              (e) =>
                `${e.tagName}.${e.className}:${e.getBoundingClientRect().right}`,
            )
            .join(" "),
        );
        assert.ok(
          wider <= 0,
          `${p} is ${wider}px wider than a phone: ${widest}`,
        );
      }
      await shot("phone");
    });

    assert.deepEqual(errors, [], "the page threw");
    assert.deepEqual(csp, [], "Content-Security-Policy violations");
    ui.log(`PASS: ${done.length} steps; screenshots in ${ui.shotDir}`);
    return 0;
  } catch (e) {
    return ui.failureCode(e, { done, server });
  } finally {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
