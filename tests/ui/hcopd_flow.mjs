#!/usr/bin/env node
// UI test: the HCOPD flow through the web UI against the real `kafkaml up`,
// driven by playwright-core in Debian's Chromium. Screenshots of every page,
// at a phone's (390x844) and a laptop's (1366x768) size, go to
// build/ui-screenshots/ (or $KAFKAML_SCREENSHOT_DIR); a page wider than the
// screen at either size fails the test.
//
// Exit codes: 0 all steps passed; 77 (CTest "skipped") when a part of the
// product the flow needs is not there yet, after the steps before it passed;
// 1 on a failure.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
import { readChunks, watchAssets } from "./chunks.mjs";
import { runFlow, VIEWPORTS } from "./flow.mjs";
import { hcopdCsv } from "./hcopd_data.mjs";
import {
  Skip,
  commandHelp,
  kafkamlBin,
  pickFlag,
  startKafkaml,
} from "./server.mjs";

function run(cmd, args, input) {
  log(`run: ${path.basename(cmd)} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { encoding: "utf8", input, timeout: 120000 });
  if (r.status !== 0)
    throw new Error(
      `${path.basename(cmd)} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`,
    );
  return r.stdout;
}

/** `kafkaml send` of generated HCOPD data to a deployment, with flags from its help. */
function sendTraining(server, scratch, deploymentId) {
  if (server.noBroker)
    throw new Skip(
      "`kafkaml up` is not there yet: `kafkaml server` alone has no broker to send the training stream to",
    );
  const help = commandHelp("send");
  if (!help) throw new Skip("`kafkaml send` is not there yet");
  const csv = path.join(scratch, "hcopd.csv");
  writeFileSync(csv, hcopdCsv());
  const flags = {
    bootstrap: pickFlag(
      help,
      "--bootstrap-servers",
      "--brokers",
      "--bootstrap",
    ),
    deployment: pickFlag(help, "--deployment", "--deployment-id"),
    topic: pickFlag(help, "--topic"),
    label: pickFlag(
      help,
      "--label-column",
      "--label",
      "--label-field",
      "--labels",
    ),
    format: pickFlag(help, "--format", "--input-format"),
    validation: pickFlag(help, "--validation-rate"),
    file: pickFlag(help, "--csv", "--file", "--input"),
  };
  if (!flags.deployment)
    throw new Skip(
      `\`kafkaml send --help\` names no deployment flag:\n${help}`,
    );
  const args = ["send", flags.deployment, String(deploymentId)];
  if (flags.bootstrap && server.bootstrap)
    args.push(flags.bootstrap, server.bootstrap);
  if (flags.topic) args.push(flags.topic, `hcopd-${deploymentId}`);
  if (flags.label) args.push(flags.label, "Diagnosis");
  if (flags.format) args.push(flags.format, "RAW");
  if (flags.validation) args.push(flags.validation, "0.1");
  if (flags.file) args.push(flags.file, csv);
  else args.push(csv);
  run(kafkamlBin(), args);
}

/** Sends the HCOPD rows as the original's online stream for a continual deployment. */
function sendOnline(server, scratch, deploymentId) {
  const csv = path.join(scratch, "hcopd-online.csv");
  writeFileSync(csv, hcopdCsv());
  run(kafkamlBin(), [
    "send",
    "--deployment-id",
    String(deploymentId),
    "--bootstrap-servers",
    server.bootstrap,
    "--topic",
    `hcopd-online-${deploymentId}`,
    "--label-column",
    "Diagnosis",
    "--online",
    csv,
  ]);
}

/**
 * SIGKILLs replica 0 of the inference: the `kafkaml infer` process this
 * server started for it (its command line names the server's URL; other
 * tests running beside this one have replicas of the same ids).
 */
function killReplica(server, inference) {
  const pattern = `infer --inference-id ${inference.id} --replica 0 .*--server ${server.url}( |$)`;
  const found = spawnSync("pgrep", ["-f", "--", pattern], { encoding: "utf8" });
  const pids = found.stdout.split("\n").filter(Boolean).map(Number);
  if (pids.length !== 1)
    throw new Error(
      `expected one process matching '${pattern}', found ${pids.length}: ${found.stdout}${found.stderr}`,
    );
  process.kill(pids[0], "SIGKILL");
}

/** A small TorchScript module written by Debian's python3-torch; its path. */
function makeTorchScript(scratch) {
  const file = path.join(scratch, "net.pt");
  const script = path.join(scratch, "make_net.py");
  // A file, not -c: torch.jit.script reads the class's source.
  writeFileSync(
    script,
    [
      "import torch, sys",
      "class Net(torch.nn.Module):",
      "    def __init__(self):",
      "        super().__init__()",
      "        self.layer = torch.nn.Linear(3, 2)",
      "    def forward(self, x):",
      "        return torch.softmax(self.layer(x), -1)",
      "torch.jit.save(torch.jit.script(Net()), sys.argv[1])",
      "",
    ].join("\n"),
  );
  run("/usr/bin/python3", [script, file]);
  return file;
}

/**
 * A stand-in for a Keras weights file: the server checks only the HDF5
 * signature (the training job reads the rest); its path.
 */
function makeWeightsFile(scratch) {
  const file = path.join(scratch, "base.h5");
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from("weights"),
    ]),
  );
  return file;
}

/** Produces 50 HCOPD feature rows to the inference's input topic, in its format, with Debian's Python Kafka client. */
function sendInference(server, inference) {
  if (!server.bootstrap)
    throw new Error(
      `no bootstrap address in the output of kafkaml up:\n${server.output()}`,
    );
  const script = String.raw`
import json, struct, sys, io
from confluent_kafka import Producer
cfg = json.loads(sys.argv[3]); fmt = sys.argv[4]
p = Producer({"bootstrap.servers": sys.argv[1]})
rows = [[i % 2, 20 + i % 60, i % 3] for i in range(50)]
def encode(row):
    if fmt == "AVRO":
        import avro.schema, avro.io
        parse = getattr(avro.schema, "parse", None) or avro.schema.Parse
        scheme = cfg["data_scheme"]
        schema = parse(scheme if isinstance(scheme, str) else json.dumps(scheme))
        buf = io.BytesIO()
        avro.io.DatumWriter(schema).write({f.name: v for f, v in zip(schema.fields, row)}, avro.io.BinaryEncoder(buf))
        return buf.getvalue()
    types = {"float32": "f", "float": "f", "double": "d", "int64": "q", "int32": "i", "int16": "h", "int8": "b", "uint8": "B", "uint16": "H"}
    t = types.get(cfg.get("data_type", "float32"), "f")
    return struct.pack("<%d%s" % (len(row), t), *row)
for row in rows:
    p.produce(sys.argv[2], encode(row))
p.flush(30)
`;
  run("/usr/bin/python3", [
    "-c",
    script,
    server.bootstrap,
    inference.input_topic,
    JSON.stringify(inference.input_config ?? {}),
    inference.input_format,
  ]);
}

async function main() {
  const done = [];
  const skips = [];
  let server;
  let browser;
  const scratch = mkdtempSync(path.join(tmpdir(), "kafkaml-ui-"));
  try {
    requireUiAndBrowser();
    server = await startKafkaml({ webRoot, log });
    log(
      `kafkaml ${server.command} at ${server.url}, bootstrap ${server.bootstrap ?? "?"}`,
    );
    browser = await launchBrowser();
    const page =
      browser.context.pages()[0] ?? (await browser.context.newPage());
    const chunks = readChunks(webRoot);
    const fetched = watchAssets(page);
    const errors = [];
    const overflows = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const csp = watchCsp(page);
    let n = 0;
    // Each size in turn, ending at the size the steps run in.
    const shot = async (name) => {
      const prefix = String(++n).padStart(2, "0");
      const current = page.viewportSize();
      for (const [label, size] of VIEWPORTS) {
        await page.setViewportSize(size);
        await page.waitForTimeout(300); // let charts and fonts settle
        await page.screenshot({
          path: path.join(shotDir, `${prefix}-${name}-${label}.png`),
          fullPage: true,
        });
        const wider = await page.evaluate(
          () =>
            document.documentElement.scrollWidth -
            document.documentElement.clientWidth,
        );
        if (wider > 0)
          overflows.push(
            `${name} at ${label} size (${size.width}x${size.height}) is ${wider}px wider than the screen`,
          );
      }
      if (current) await page.setViewportSize(current);
    };
    await runFlow({
      page,
      baseUrl: server.url,
      token: server.token,
      shot,
      log,
      done,
      skips,
      chunks,
      fetched,
      hooks: {
        sendTraining: (id) => sendTraining(server, scratch, id),
        sendOnline: (id) => sendOnline(server, scratch, id),
        sendInference: (inf) => sendInference(server, inf),
        killReplica: (inf) => killReplica(server, inf),
        makeTorchScript: () => makeTorchScript(scratch),
        makeWeightsFile: () => makeWeightsFile(scratch),
        sendToControlTopic: (value) =>
          run(
            "kcat",
            ["-P", "-b", server.bootstrap, "-t", "control"],
            value + "\n",
          ),
      },
    });
    if (errors.length) throw new Error(`the page threw: ${errors.join("; ")}`);
    if (csp.length)
      throw new Error(
        `the Content-Security-Policy refused:\n${csp.join("\n")}`,
      );
    if (overflows.length)
      throw new Error(`pages overflow sideways:\n${overflows.join("\n")}`);
    log(`PASS: ${done.length} steps; screenshots in ${shotDir}`);
    if (skips.length) throw new Skip(skips.join("; "));
    return 0;
  } catch (e) {
    return failureCode(e, { done, skips, server });
  } finally {
    await browser?.close();
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = await main();
