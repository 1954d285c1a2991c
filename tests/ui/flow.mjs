// The HCOPD flow of the README's example driven through the web UI: sign in, a model
// with a syntax error then fixed, a configuration, a training deployment,
// data sent, the learning curve, an inference, live predictions; then an
// indefinite training on the online stream, its versions, and an inference
// that follows them, is pinned to one from its page, then follows again.
// Each step saves screenshots at a phone's and a laptop's size. The code editor and
// the charts must come in chunks of their own, fetched only by the pages
// that show them. A step whose server part is missing throws Skip (found
// at run time from the API's 404s) and the steps after it are not run.
import assert from "node:assert/strict";
import { assertLoaded, assertNotLoaded } from "./chunks.mjs";
import { Skip } from "./server.mjs";

/** Screen sizes every page is looked at (and screenshot) in; the last is the one the steps run in. */
export const VIEWPORTS = [
  ["phone", { width: 390, height: 844 }],
  ["laptop", { width: 1366, height: 768 }],
];

export const BAD_MODEL = `model = tf.keras.Sequential([
    tf.keras.layers.Dropout(0.2, input_shape=(3,)),
    tf.keras.layers.Dense(4, activation='sigmoid',,),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
`;
export const BAD_LINE = 3;
export const GOOD_MODEL = BAD_MODEL.replace(",,),", "),");

/** The token of the signed-in admin: every call to the API needs one. */
let bearer = null;

/** fetch() as the signed-in admin: with `Authorization: Bearer`, as the UI sends it. */
function apiFetch(url, init = {}) {
  const headers = bearer ? { Authorization: `Bearer ${bearer}` } : {};
  return fetch(url, { ...init, headers: { ...headers, ...init.headers } });
}

/** GET on the API without the browser; 404 (route absent) becomes a Skip. */
async function requireRoute(baseUrl, route, what) {
  let r;
  try {
    r = await apiFetch(`${baseUrl}/api/v1${route}`);
  } catch (e) {
    throw new Error(`the server does not answer ${route}: ${e.message}`);
  }
  // A route the UI needs that is not there is a failure, not a skip.
  if (r.status === 404 || r.status === 405 || r.status === 501)
    throw new Error(`${what}: GET /api/v1${route} answered ${r.status}`);
  return r;
}

async function replaceEditorText(page, text) {
  await page.click(".cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

function idFromUrl(page, prefix) {
  const m = new RegExp(`${prefix}/(\\d+)`).exec(new URL(page.url()).pathname);
  assert.ok(m, `expected to be on ${prefix}/<id>, at ${page.url()}`);
  return Number(m[1]);
}

/** POSTs a model as the signed-in user would; returns the API's JSON answer. */
async function postModel(baseUrl, token, body) {
  const r = await apiFetch(`${baseUrl}/api/v1/models`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json().catch(() => null) };
}

/**
 * Runs the steps; `chunks` are the build's chunks (chunks.mjs) and
 * `fetched` the assets the page fetched so far; `hooks.sendTraining(deploymentId)`,
 * `hooks.sendOnline(deploymentId)` (the original's online stream) and
 * `hooks.sendInference(inference)` put data on Kafka, and
 * `hooks.killReplica(inference)` kills its replica process with SIGKILL. Returns the names of
 * the steps done in `done` and checks it could not make in `skips`; throws
 * Skip (the steps after it cannot run) or an assertion error.
 */
export async function runFlow({
  page,
  baseUrl,
  token,
  shot,
  hooks,
  log,
  done,
  skips,
  chunks,
  fetched,
}) {
  bearer = token;
  const step = async (name, fn) => {
    log(`step: ${name}`);
    await fn();
    done.push(name);
  };
  const go = (p) => page.goto(baseUrl + p, { waitUntil: "domcontentloaded" });

  await step("the server serves the UI", async () => {
    const r = await apiFetch(`${baseUrl}/models`);
    const html = r.ok ? await r.text() : "";
    if (!html.includes('id="app"'))
      throw new Skip(
        `the server does not serve the web UI at / (GET /models answered ${r.status})`,
      );
  });

  await step("sign in", async () => {
    await go("/");
    await page.waitForSelector("input[name=token]");
    await shot("sign-in");
    await page.fill("input[name=token]", token);
    await page.click("button[type=submit]");
    await page.waitForSelector("nav .steps a.active");
    assertLoaded(fetched, chunks.entry, "entry");
    assertNotLoaded(fetched, chunks.editor, "code editor", "the sign-in page");
    assertNotLoaded(fetched, chunks.chart, "chart", "the sign-in page");
    // On a phone the navigation folds into a menu that must open and lead somewhere.
    await page.setViewportSize(VIEWPORTS[0][1]);
    await page.click(".menu-button");
    await page.waitForSelector("nav.open .steps a.active", {
      state: "visible",
    });
    await shot("menu-open");
    await page.click('nav.open a[href="/configurations"]');
    await page.waitForSelector("nav.open", { state: "detached" });
    await page.waitForURL(/\/configurations$/);
    await page.setViewportSize(VIEWPORTS.at(-1)[1]);
  });

  let modelId;
  await step("model with a syntax error, then fixed", async () => {
    await requireRoute(baseUrl, "/models", "models API");
    await go("/models");
    await page.waitForSelector(".empty, table.list");
    await shot("models-empty");
    assertNotLoaded(fetched, chunks.editor, "code editor", "the models list");
    await page.click(
      'a:has-text("New model"), a:has-text("Write your first model")',
    );
    await page.waitForSelector(".cm-content");
    assertLoaded(fetched, chunks.editor, "code editor");
    await page.fill("input[name=name]", "hcopd-dense");
    await page.fill("input[name=description]", "the paper model");
    await replaceEditorText(page, BAD_MODEL);
    await page.click("button[type=submit]");
    const answer = await page.waitForSelector(
      '.code-error, .ok:has-text("Saved")',
      { timeout: 15000 },
    );
    if ((await answer.getAttribute("class")).includes("ok")) {
      // The server took the bad code: its model parser is not linked in yet.
      skips.push(
        "the server accepted model code with a syntax error (model validation is not linked into the server yet)",
      );
      await page.waitForURL(/\/models\/\d+$/);
    } else {
      assert.equal(
        Number(await answer.getAttribute("data-line")),
        BAD_LINE,
        `the error should be marked on line ${BAD_LINE}: ${await answer.textContent()}`,
      );
      await page.waitForSelector(".cm-errorLine");
      // The API's own words, as they came: its `error` heads the error box.
      const api = await postModel(baseUrl, token, {
        name: "hcopd-dense",
        description: "",
        imports: "",
        code: BAD_MODEL,
      });
      assert.equal(api.status, 400, JSON.stringify(api.json));
      assert.equal(
        (await page.textContent(".error-box strong"))?.trim(),
        api.json.error,
        "the error box should show the API's error as it came",
      );
      // ...and says nothing twice (the detail repeats the error's message).
      const box = await page.textContent(".error-box");
      const message = api.json.detail?.message ?? api.json.error;
      assert.equal(
        box.split(message).length - 1,
        1,
        `the error box should show "${message}" once: ${box}`,
      );
      await shot("model-syntax-error");
    }
    await replaceEditorText(page, GOOD_MODEL);
    await page.click("button[type=submit]");
    await page.waitForSelector('.ok:has-text("Saved")', { timeout: 15000 });
    await page.waitForURL(/\/models\/\d+$/);
    modelId = idFromUrl(page, "/models");
    await shot("model-saved");
    await go("/models");
    await page.waitForSelector(`a[href="/models/${modelId}"]`);
    await shot("models");
  });

  await step("a PyTorch model from a TorchScript file", async () => {
    const file = hooks.makeTorchScript();
    await go("/models/new");
    await page.fill("input[name=name]", "from-pytorch");
    await page.check("input[name=framework] >> nth=1");
    await page.waitForSelector("input#module");
    await page.setInputFiles("input#module", file);
    await page.click("button[type=submit]");
    await page.waitForSelector('.ok:has-text("Saved")', { timeout: 15000 });
    await page.waitForURL(/\/models\/\d+$/);
    const hint = await page.textContent("input#module ~ .field-hint");
    assert.match(
      hint,
      /Uploaded: \d+ bytes/,
      "the page says the module is uploaded",
    );
    await shot("model-pytorch");
    await go("/models");
    await page.waitForSelector('.badge:has-text("PyTorch")');
  });

  await step(
    "a Keras model with a pretrained base and its weights file",
    async () => {
      const file = hooks.makeWeightsFile();
      await go("/models/new");
      await page.fill("input[name=name]", "transfer");
      await replaceEditorText(
        page,
        "import tensorflow as tf\n" +
          "base = tf.keras.applications.VGG16(include_top=False, weights='imagenet', input_shape=(32, 32, 3))\n" +
          "x = tf.keras.layers.Flatten()(base.output)\n" +
          "model = tf.keras.Model(base.input, tf.keras.layers.Dense(2, activation='softmax')(x))\n" +
          "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n",
      );
      await page.waitForSelector("input#weights");
      await page.setInputFiles("input#weights", file);
      await page.click("button[type=submit]");
      await page.waitForSelector('.ok:has-text("Saved")', { timeout: 15000 });
      await page.waitForURL(/\/models\/\d+$/);
      const hint = await page.textContent("input#weights ~ .field-hint");
      assert.match(
        hint,
        /Uploaded: 15 bytes/,
        "the page says the weights file is uploaded",
      );
      await shot("model-weights");
    },
  );

  await step("configuration", async () => {
    await requireRoute(baseUrl, "/configurations", "configurations API");
    await go("/configurations");
    await page.waitForSelector(".empty, table.list");
    await shot("configurations-empty");
    await go("/configurations/new");
    await page.fill("input[name=name]", "hcopd");
    await page.check(`input[name=model][value="${modelId}"]`);
    await shot("configuration-new");
    await page.click("button[type=submit]");
    await page.waitForURL(/\/configurations$/);
    await page.waitForSelector('td.actions a:has-text("Deploy")');
    await shot("configurations");
  });

  let deploymentId;
  await step("deploy for training", async () => {
    await requireRoute(baseUrl, "/deployments", "deployments API");
    await page.click('td.actions a:has-text("Deploy")');
    await page.waitForSelector("input[name=batch]");
    await page.fill("input[name=batch]", "10");
    await page.fill("input[name=kwargs_fit]", "epochs=20, shuffle=True");
    // Limits of each training job's container (the Docker executor's;
    // kept and shown whatever the executor).
    await page.fill("input[name=cpu]", "1.5");
    await page.fill("input[name=memory]", "512Mi");
    await shot("deploy-form");
    await page.click("button[type=submit]");
    await page.waitForURL(/\/deployments\/\d+/);
    deploymentId = idFromUrl(page, "/deployments");
    await page.waitForSelector(".badge");
    const deployed = await (
      await apiFetch(`${baseUrl}/api/v1/deployments/${deploymentId}`)
    ).json();
    assert.deepEqual(deployed.resources, { cpu: 1.5, memory: "512Mi" });
    assert.match(
      await page.textContent(".resources"),
      /limits 1\.5 CPU, 512Mi/,
    );
    await shot("deployment-waiting");
    assertNotLoaded(
      fetched,
      chunks.chart,
      "chart",
      "the pages before the first epoch",
    );
  });

  await step("send the training stream with kafkaml send", async () => {
    await hooks.sendTraining(deploymentId);
  });

  let resultId;
  await step("the learning curve appears and training finishes", async () => {
    await page.waitForSelector(".chart .uplot", { timeout: 120000 });
    assertLoaded(fetched, chunks.chart, "chart");
    await shot("deployment-training");
    await page.waitForSelector(".badge-finished, .badge-failed", {
      timeout: 300000,
    });
    assert.equal(
      await page.$(".badge-failed"),
      null,
      "the training result failed",
    );
    await shot("deployment-finished");
    await page.click('a[href^="/results/"]');
    await page.waitForURL(/\/results\/\d+/);
    resultId = idFromUrl(page, "/results");
    await page.waitForSelector(".chart .uplot");
    await shot("result");
    // Once the result has ended and the page holds its epochs, it polls
    // without them, and still shows every one.
    const polls = [];
    const watch = (request) => {
      if (request.url().includes(`/api/v1/results/${resultId}`))
        polls.push(request.url());
    };
    page.on("request", watch);
    await page.waitForTimeout(3500);
    page.off("request", watch);
    assert.ok(
      polls.length > 0 && polls.every((url) => url.endsWith("?epochs=none")),
      `the result page fetched its epochs again: ${polls.join(", ")}`,
    );
    const { epoch_count } = await (
      await apiFetch(`${baseUrl}/api/v1/results/${resultId}?epochs=none`)
    ).json();
    const shown = await page.$$eval("dt", (dts) =>
      dts
        .find((dt) => dt.textContent.trim() === "Epochs")
        ?.nextElementSibling?.textContent.trim(),
    );
    assert.equal(shown, String(epoch_count), "the Epochs fact");
    await go("/deployments");
    await page.waitForSelector("table.list");
    await shot("deployments");
  });

  await step("datasources", async () => {
    await requireRoute(baseUrl, "/datasources", "datasources API");
    await go("/datasources");
    await page.waitForSelector("table.list", { timeout: 15000 });
    await shot("datasources");
  });

  await step(
    "a record on the control topic that is no control message is shown refused",
    async () => {
      await requireRoute(
        baseUrl,
        "/datasources/refused",
        "refused control messages API",
      );
      hooks.sendToControlTopic("this is not a control message");
      await go("/datasources");
      await page.waitForSelector("section.refused td.error-inline", {
        timeout: 30000,
      });
      const reason = await page.textContent("section.refused td.error-inline");
      assert.match(reason, /not JSON/, "the refusal says why");
      await shot("datasources-refused");
    },
  );

  let inference;
  await step("deploy for inference, formats pre-filled", async () => {
    await requireRoute(baseUrl, "/inferences", "inferences API");
    await go(`/results/${resultId}`);
    await page.click('a:has-text("Deploy for inference")');
    await page.waitForSelector("textarea[name=input_config]");
    await page.waitForFunction(
      () =>
        document.querySelector("textarea[name=input_config]")?.value.trim() !==
        "{}",
      null,
      { timeout: 15000 },
    );
    // The Kafka clusters the server configures are offered for the input
    // and the output; left empty, both are the server's own.
    for (const field of ["input_kafka_broker", "output_kafka_broker"]) {
      await page.waitForSelector(
        `datalist#${field}-clusters option[value=default]`,
        { state: "attached", timeout: 15000 },
      );
    }
    await page.fill("input[name=memory]", "256Mi");
    await shot("inference-form");
    await page.click("button[type=submit]");
    await page.waitForURL(/\/inferences\/\d+/);
    const inferenceId = idFromUrl(page, "/inferences");
    inference = await (
      await apiFetch(`${baseUrl}/api/v1/inferences/${inferenceId}`)
    ).json();
    assert.deepEqual(inference.resources, { memory: "256Mi" });
    await page.waitForSelector(".facts .resources");
    assert.equal((await page.textContent(".facts .resources")).trim(), "256Mi");
    await page.waitForSelector(".badge");
    // The input topic did not exist: the server made it, a partition per
    // replica, and the page says so.
    const remark = await page.waitForSelector(".remark", { timeout: 5000 });
    assert.match(
      await remark.textContent(),
      new RegExp(
        `created the input topic "${inference.input_topic}" with ${inference.replicas} partition\\(s\\)`,
      ),
    );
    assert.equal(inference.input_kafka_broker, "default");
    assert.equal(inference.output_kafka_broker, "default");
    assert.match(
      await page.textContent(".facts"),
      new RegExp(`${inference.output_topic} on default`),
      "the page says which cluster the output goes to",
    );
    await shot("inference");
  });

  await step("predictions appear live", async () => {
    const state = await page.waitForSelector(
      ".live-dot.open, .live-dot.unavailable",
      { timeout: 20000 },
    );
    if ((await state.getAttribute("class")).includes("unavailable"))
      throw new Skip(
        `live predictions: GET /api/v1/inferences/${inference.id}/predictions/stream is not there yet`,
      );
    await hooks.sendInference(inference);
    await page.waitForSelector(".predictions tbody tr", { timeout: 120000 });
    await shot("predictions");
    await go("/inferences");
    await page.waitForSelector("table.list");
    // The replica reports its figures every second: the list shows them
    // live (throughput per second, consumer lag as a count).
    await page.waitForFunction(
      (id) => {
        const row = [...document.querySelectorAll("table.list tbody tr")].find(
          (r) => r.querySelector("td")?.textContent.trim() === String(id),
        );
        const cells = row
          ? [...row.children].map((c) => c.textContent.trim())
          : [];
        return (
          /^[\d.e+-]+\/s$/.test(cells[5] ?? "") && /^\d+$/.test(cells[6] ?? "")
        );
      },
      inference.id,
      { timeout: 20000 },
    );
    await shot("inferences");
  });

  await step(
    "a killed replica is restarted, and its page says so",
    async () => {
      await go(`/inferences/${inference.id}`);
      await page.waitForSelector(".badge");
      hooks.killReplica(inference);
      // The server restarts the replica after its backoff and records the
      // restart; the page, which polls, shows the count and how it ended.
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll("dt")].some(
            (dt) =>
              dt.textContent.trim() === "Restarts" &&
              /restarted 1 time; last exit: replica 0: killed by signal 9 \(SIGKILL\)/.test(
                dt.nextElementSibling?.textContent ?? "",
              ),
          ),
        null,
        { timeout: 60000 },
      );
      await shot("inference-restarted");
    },
  );

  let continualResult;
  await step("an indefinite deployment through the form", async () => {
    await go("/deployments/new");
    await page.waitForSelector("select[name=mode]");
    assert.equal(
      await page.$("input[name=window_size]"),
      null,
      "a batch deployment shows no continual parameters",
    );
    await page.selectOption("select[name=mode]", "indefinite");
    await page.waitForSelector("input[name=window_size]");
    assert.equal(
      await page.$("input[name=stream_timeout]"),
      null,
      "an indefinite training has no stream timeout",
    );
    await page.fill("input[name=window_size]", "50");
    await page.fill("input[name=version_every_records]", "200");
    await page.fill("input[name=drift_threshold]", "80");
    await page.selectOption("select[name=drift_response]", "reset_optimizer");
    await shot("deploy-form-indefinite");
    await page.click("button[type=submit]");
    await page.waitForURL(/\/deployments\/\d+/);
    const id = idFromUrl(page, "/deployments");
    await page.waitForSelector(".mode");
    const stored = await (
      await apiFetch(`${baseUrl}/api/v1/deployments/${id}`)
    ).json();
    assert.equal(stored.mode, "indefinite");
    assert.equal(stored.window_size, 50);
    assert.equal(stored.version_every_records, 200);
    assert.equal(stored.improvement, 0.05, "the default, sent as shown");
    assert.equal(stored.change, "down", "a loss improves going down");
    assert.equal(stored.drift_detection, true, "on by default");
    assert.equal(stored.drift_threshold, 80);
    assert.equal(stored.drift_delta, 0.005, "the default, sent as shown");
    assert.equal(stored.drift_response, "reset_optimizer");
    const results = await (
      await apiFetch(`${baseUrl}/api/v1/results?deployment=${id}`)
    ).json();
    continualResult = (Array.isArray(results) ? results : results.results)[0];
  });

  // Deployed before its stream comes, the inference waits for the
  // training's first version; its input format is typed, as no stream has
  // come to take it from.
  let following;
  await step(
    "an inference of the indefinite training before its first version",
    async () => {
      await go(`/results/${continualResult.id}`);
      await page.click('a:has-text("Deploy for inference")');
      await page.waitForSelector("select[name=model_version]");
      assert.equal(
        await page.inputValue("select[name=model_version]"),
        "latest",
        "a continual result's inference follows the latest by default",
      );
      await page.fill("input[name=replicas]", "2");
      await page.selectOption("select[name=input_format]", "RAW");
      await page.fill(
        "textarea[name=input_config]",
        JSON.stringify({ data_type: "float32", data_reshape: "3" }),
      );
      await page.click("button[type=submit]");
      await page.waitForURL(/\/inferences\/\d+/);
      following = idFromUrl(page, "/inferences");
      const stored = await (
        await apiFetch(`${baseUrl}/api/v1/inferences/${following}`)
      ).json();
      assert.equal(stored.model_version, "latest");
      await page.waitForSelector(
        '.serves:text-is("latest: waiting for the first version")',
      );
      await shot("inference-waiting");
    },
  );

  await step("the online stream: versions and a drift", async () => {
    // Its stream, the original's online one: the result page lists the
    // model versions it cuts, each one downloadable.
    const id = continualResult.deployment;
    hooks.sendOnline(id);
    const result = continualResult;
    await go(`/results/${result.id}`);
    await page.waitForSelector(".versions tbody tr", { timeout: 120000 });
    await shot("result-versions");
    const href = await page.getAttribute(
      ".versions tbody tr a[download]",
      "href",
    );
    const download = await apiFetch(new URL(href, baseUrl));
    assert.equal(download.status, 200, `GET ${href}`);
    assert.ok(
      (await download.arrayBuffer()).byteLength > 0,
      "the version's model has bytes",
    );
    // The link itself: a plain <a download> could not send the token, the
    // page fetches the file with it and saves it.
    const [saved] = await Promise.all([
      page.waitForEvent("download", { timeout: 30000 }),
      page.click(".versions tbody tr a[download]"),
    ]);
    assert.equal(
      await saved.failure(),
      null,
      `the version's download from the page`,
    );
    assert.match(saved.suggestedFilename(), /\.kafkaml$/);

    // On a phone each version is a card whose downloads are on the screen.
    await page.setViewportSize(VIEWPORTS[0][1]);
    const button = await page
      .locator(".versions tbody tr a[download]")
      .first()
      .boundingBox();
    assert.ok(
      button &&
        button.width > 0 &&
        button.x + button.width <= VIEWPORTS[0][1].width,
      `a version's download is on a phone's screen: ${JSON.stringify(button)}`,
    );
    await page.setViewportSize(VIEWPORTS.at(-1)[1]);

    // A drift, as the job reports one (the pipeline test makes the job
    // find one; here the page's part): listed, and marked on the
    // prequential curves over records.
    let windows = [];
    for (let tries = 0; windows.length === 0 && tries < 100; tries++) {
      if (tries > 0) await page.waitForTimeout(100);
      windows = (
        await (await apiFetch(`${baseUrl}/api/v1/results/${result.id}`)).json()
      ).epochs;
    }
    const records = windows[0].metrics.records;
    const drift = await apiFetch(
      `${baseUrl}/api/v1/results/${result.id}/drifts`,
      {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({
          records,
          error_before: 0.1,
          error_after: 0.9,
          measure: "1 - accuracy",
          response: "reset_optimizer",
        }),
      },
    );
    assert.equal(drift.status, 201, "the drift is stored");
    await page.waitForSelector(".drifts tbody tr", { timeout: 30000 });
    assert.equal(
      (await page.textContent(".drifts tbody tr td")).trim(),
      String(records),
    );
    await page.waitForSelector(
      ".prequential .u-legend .u-series:has-text('drift')",
      {
        timeout: 30000,
      },
    );
    await shot("result-drift");
  });

  await step(
    "the inference follows the newest version, is pinned to version 1, then follows again",
    async () => {
      await go(`/inferences/${following}`);
      // The version the page says it follows, once both replicas serve it
      // (a later version may come meanwhile); a later one than the first.
      const versionServed = () =>
        page.waitForFunction(
          () => {
            const m = /^latest → version (\d+)$/.exec(
              document.querySelector(".serves")?.textContent.trim() ?? "",
            );
            const cells = [
              ...document.querySelectorAll(".replicas tbody td.version"),
            ].map((td) => td.textContent.trim());
            return m &&
              Number(m[1]) > 1 &&
              cells.length === 2 &&
              cells.every((c) => c === m[1])
              ? Number(m[1])
              : null;
          },
          null,
          { timeout: 60000 },
        );
      const newest = await (await versionServed()).jsonValue();
      log(`both replicas serve version ${newest}`);
      await shot("inference-following");
      const id = following;
      const everyReplicaServes = (version) =>
        page.waitForFunction(
          (v) => {
            const cells = [
              ...document.querySelectorAll(".replicas tbody td.version"),
            ].map((td) => td.textContent.trim());
            return cells.length === 2 && cells.every((c) => c === v);
          },
          String(version),
          { timeout: 60000 },
        );

      // Pinned from the page, every replica serves version 1.
      await page.selectOption("select[name=model_version]", "1");
      await page.click('.pin-version button:has-text("Pin")');
      await page.waitForSelector('.serves:text-is("pinned: version 1")', {
        timeout: 10000,
      });
      await everyReplicaServes(1);
      const pinned = await (
        await apiFetch(`${baseUrl}/api/v1/inferences/${id}/version`)
      ).json();
      assert.deepEqual(
        [pinned.model_version, pinned.version, pinned.ready],
        [1, 1, true],
      );
      await shot("inference-pinned");

      // The list says what each inference serves.
      await go("/inferences");
      await page.waitForSelector("table.list td.served");
      const served = await page.$$eval("table.list tbody tr", (rows) =>
        Object.fromEntries(
          rows.map((r) => [
            r.querySelector("td").textContent.trim(),
            r.querySelector("td.served").textContent.trim(),
          ]),
        ),
      );
      assert.equal(served[String(id)], "pinned: version 1");
      assert.ok(
        Object.values(served).includes("trained model"),
        `the batch result's inference serves its trained model: ${JSON.stringify(served)}`,
      );

      await go(`/inferences/${id}`);
      await page.waitForSelector(".pin-version");

      // Following the latest again, both go back to the newest.
      await page.selectOption("select[name=model_version]", "latest");
      await page.click('.pin-version button:has-text("Follow")');
      await versionServed();

      // Stopped, it refuses a pin, and the page shows the API's words: the
      // page's polls are held back (as on a slow network) so that the
      // control is still there once the inference stopped.
      let release;
      const held = new Promise((resolve) => (release = resolve));
      const inferencePath = `/api/v1/inferences/${id}`;
      const hold = async (route) => {
        if (route.request().method() === "GET") await held;
        await route.continue();
      };
      const polled = (url) => url.pathname === inferencePath;
      await page.route(polled, hold);
      await page.click('.summary button:has-text("Stop")');
      for (let tries = 0; ; tries++) {
        const now = await (await apiFetch(baseUrl + inferencePath)).json();
        if (now.status === "stopped") break;
        assert.ok(tries < 100, `inference ${id} is ${now.status}, not stopped`);
        await page.waitForTimeout(100);
      }
      await page.selectOption("select[name=model_version]", "1");
      await page.click('.pin-version button:has-text("Pin")');
      const shown = await page.waitForSelector(".pin-version .error-inline");
      const refused = await apiFetch(`${baseUrl}${inferencePath}/version`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ model_version: 1 }),
      });
      assert.equal(refused.status, 409);
      const { error } = await refused.json();
      assert.ok(
        (await shown.textContent()).startsWith(error),
        `the page shows the API's error "${error}": ${await shown.textContent()}`,
      );
      await shot("inference-pin-refused");
      release();
      await page.waitForSelector(".badge-stopped", { timeout: 30000 });
      await page.unrouteAll({ behavior: "wait" });
      assert.equal(
        await page.$(".pin-version"),
        null,
        "a stopped inference has no version to pin",
      );
    },
  );

  // A datasource goes from its page once its deployment ended; one whose
  // deployment still trains is refused, with the server's reason shown.
  // Before it goes, its records are deleted from the log ("Delete records").
  await step("a datasource is deleted from its page", async () => {
    const listed = await (
      await apiFetch(`${baseUrl}/api/v1/datasources`)
    ).json();
    const sources = Array.isArray(listed) ? listed : listed.datasources;
    const ended = sources.find((s) => s.deployment === Number(deploymentId));
    const live = sources.find(
      (s) => s.deployment === continualResult.deployment,
    );
    assert.ok(ended && live, `datasources: ${JSON.stringify(sources)}`);
    page.on("dialog", (dialog) => dialog.accept());
    await go("/datasources");
    await page.waitForSelector("table.list");
    const deleteOf = (id) =>
      `table.list tbody tr:has(td.num:text-is("${id}")) button:text-is("Delete")`;
    await page.click(deleteOf(live.id));
    const refusal = await page.waitForSelector(".error-box", {
      timeout: 15000,
    });
    assert.match(
      await refusal.textContent(),
      /stop the deployment first/,
      "the page says why it was refused",
    );
    await shot("datasource-delete-refused");
    // Its records go from the log first: the row then says so, and the
    // stream can no longer be sent.
    await page.click(
      `table.list tbody tr:has(td.num:text-is("${ended.id}")) button:text-is("Delete records")`,
    );
    await page.waitForSelector(
      `table.list tbody tr:has(td.num:text-is("${ended.id}")) :text("Records deleted")`,
      { timeout: 15000 },
    );
    const marked = await (
      await apiFetch(`${baseUrl}/api/v1/datasources/${ended.id}`)
    ).json();
    assert.ok(marked.records_deleted_at, JSON.stringify(marked));
    await shot("datasource-records-deleted");
    await page.click(deleteOf(ended.id));
    await page.waitForFunction(
      (id) =>
        ![...document.querySelectorAll("table.list tbody tr")].some(
          (r) => r.querySelector("td.num")?.textContent.trim() === String(id),
        ),
      ended.id,
      { timeout: 15000 },
    );
    const after = await apiFetch(`${baseUrl}/api/v1/datasources/${ended.id}`);
    assert.equal(after.status, 404, "deleted in the store too");
  });
}
