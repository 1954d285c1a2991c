// Starts the real `kafkaml up` (embedded broker + server) on free loopback
// ports with a fresh data directory, and reads from its output the address of
// the UI/API, the Kafka bootstrap address and the admin token.
//
// The flags are taken from `kafkaml up --help` so that the harness follows
// the CLI as it is; what the binary cannot do yet is reported as a Skip.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** A step that needs a part of the product not there yet. */
export class Skip extends Error {}

export function kafkamlBin() {
  const bin = process.env.KAFKAML_BIN;
  if (!bin)
    throw new Skip(
      "KAFKAML_BIN is not set (ctest sets it to the built kafkaml binary)",
    );
  return bin;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The help text of a subcommand, or null when the binary does not know it. */
export function commandHelp(command) {
  const r = spawnSync(kafkamlBin(), [command, "--help"], {
    encoding: "utf8",
    timeout: 20000,
  });
  const text = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  // An unknown subcommand makes CLI11 print the top-level help instead.
  if (!new RegExp(`usage:.*\\s${command}(\\s|$)`, "im").test(text)) return null;
  return text;
}

/** The first of `names` that the help text offers as a flag. */
export function pickFlag(help, ...names) {
  return (
    names.find((n) =>
      new RegExp(
        `(^|[\\s,\\[])${n.replace(/-/g, "\\-")}([\\s=,\\]]|$)`,
        "m",
      ).test(help),
    ) ?? null
  );
}

/**
 * Starts `kafkaml up` (or, while it is not there, `kafkaml server`, which has
 * no broker); resolves once it printed its URL and the admin token is known.
 * stop() ends it with SIGINT (then SIGKILL) and removes the data.
 */
export async function startKafkaml({ webRoot, log = () => {} }) {
  let command = "up";
  let help = commandHelp(command);
  if (!help) {
    command = "server";
    help = commandHelp(command);
  }
  if (!help)
    throw new Skip(
      "neither `kafkaml up` nor `kafkaml server` is there yet (the pipeline issue adds them)",
    );
  const dataDir = mkdtempSync(path.join(tmpdir(), "kafkaml-ui-data-"));
  const args = [command];
  const dataFlag = pickFlag(help, "--data-dir");
  if (dataFlag) args.push(dataFlag, dataDir);
  const httpFlag = pickFlag(
    help,
    "--http-port",
    "--port",
    "--api-port",
    "--listen",
    "--http",
    "--http-listen",
  );
  if (httpFlag) {
    const port = await freePort();
    args.push(
      httpFlag,
      /listen|--http$/.test(httpFlag) ? "127.0.0.1:0" : String(port),
    );
  }
  const brokerFlag = pickFlag(
    help,
    "--broker-port",
    "--kafka-port",
    "--broker-listen",
    "--kafka-listen",
  );
  if (brokerFlag) {
    const port = await freePort();
    args.push(
      brokerFlag,
      /listen/.test(brokerFlag) ? `127.0.0.1:${port}` : String(port),
    );
  }
  const webFlag = pickFlag(
    help,
    "--web-root",
    "--web-dir",
    "--ui-dir",
    "--static-dir",
  );
  if (webFlag) args.push(webFlag, webRoot);

  const tokenFile = path.join(dataDir, "admin-token");
  log(`starting: kafkaml ${args.join(" ")}`);
  const child = spawn(kafkamlBin(), args, {
    cwd: dataDir,
    env: { ...process.env, KAFKAML_WEB_ROOT: webRoot },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const found = {};
  let poll;
  const ready = new Promise((resolve, reject) => {
    poll = setInterval(() => scan(""), 200); // the token may be only in the data dir's file
    const scan = (chunk) => {
      output += chunk;
      found.url ??= /(https?:\/\/[\w.[\]:-]+)(\/[^\s]*)?/.exec(output)?.[1];
      if (!found.token && existsSync(tokenFile))
        found.token = readFileSync(tokenFile, "utf8").trim() || undefined;
      found.token ??= /token\W*([A-Za-z0-9_.~-]{16,})(\s|$)/im.exec(
        output,
      )?.[1];
      found.bootstrap ??= /bootstrap[\w\s-]*\W*\s*([\w.-]+:\d+)/i.exec(
        output,
      )?.[1];
      if (found.url && found.token) {
        clearInterval(poll);
        resolve();
      }
    };
    child.stdout.on("data", scan);
    child.stderr.on("data", scan);
    child.once("exit", () => clearInterval(poll));
    child.on("exit", (code) =>
      reject(
        new Error(
          `kafkaml ${command} exited with ${code} before it was ready:\n${output}`,
        ),
      ),
    );
    setTimeout(
      () =>
        reject(
          new Error(
            `kafkaml ${command} printed no URL and token within 60 s:\n${output}`,
          ),
        ),
      60000,
    ).unref();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT");
      const ended = await Promise.race([
        new Promise((r) => child.once("exit", () => r(true))),
        new Promise((r) => setTimeout(() => r(false), 15000)),
      ]);
      if (!ended) child.kill("SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await ready;
    // A server started without a broker can run the UI but not the data steps.
    if (command === "server") found.noBroker = true;
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    ...found,
    command,
    url: found.url.replace("0.0.0.0", "127.0.0.1"),
    dataDir,
    stop,
    output: () => output,
  };
}
