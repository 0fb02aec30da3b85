// What every journey needs: `aims serve` on a fresh data folder (or AIMS_DATABASE_URL), headless
// Chromium, axe-core on every page visited, and screenshots under target/e2e-screens.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
export const bin = process.env.AIMS_BIN ?? "../target/debug/aims";
export const label = process.env.AIMS_DATABASE_URL ? "postgres" : "sqlite";
export const screens = new URL("../target/e2e-screens/", import.meta.url).pathname;
const axeSource = require.resolve("axe-core/axe.min.js");

/** Starts a server; resolves with { server, base, setupLink }. */
export async function startServer() {
  mkdirSync(screens, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "aims-e2e-"));
  // Each journey gets a database of its own: on PostgreSQL, a new one beside AIMS_DATABASE_URL's.
  const env = { ...process.env };
  if (env.AIMS_DATABASE_URL) {
    const url = new URL(env.AIMS_DATABASE_URL);
    const name = `${url.pathname.slice(1)}_${Math.random().toString(36).slice(2, 8)}`;
    execFileSync("psql", ["-X", "-q", env.AIMS_DATABASE_URL, "-c", `CREATE DATABASE ${name}`]);
    url.pathname = `/${name}`;
    env.AIMS_DATABASE_URL = url.toString();
  }
  const server = spawn(bin, ["serve", "--bind", "127.0.0.1:0", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "inherit"],
    env,
  });
  const lines = createInterface({ input: server.stdout });
  let base;
  const setupLink = await new Promise((resolve, reject) => {
    server.on("exit", (code) => reject(new Error(`aims serve exited with ${code}`)));
    lines.on("line", (line) => {
      const url = line.match(/http:\/\/\S+/)?.[0];
      if (line.startsWith("aims is running at")) base = url;
      if (line.includes("/setup?token=")) resolve(url);
    });
  });
  return { server, base, setupLink };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Serious and critical axe-core violations of the page, as lines naming the page and nodes. */
export async function axeProblems(page, name) {
  await page.addScriptTag({ path: axeSource });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

/** Whether the page is wider than its viewport (it scrolls sideways). */
export async function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

/** Reads one file out of a ZIP (an XLSX) with Node's zlib: enough for sharedStrings.xml. */
export async function zipEntry(buffer, wanted) {
  const { inflateRawSync } = await import("node:zlib");
  let at = 0;
  while (at + 30 <= buffer.length && buffer.readUInt32LE(at) === 0x04034b50) {
    const method = buffer.readUInt16LE(at + 8);
    let size = buffer.readUInt32LE(at + 18);
    const nameLength = buffer.readUInt16LE(at + 26);
    const extra = buffer.readUInt16LE(at + 28);
    const name = buffer.subarray(at + 30, at + 30 + nameLength).toString();
    const start = at + 30 + nameLength + extra;
    if (size === 0) {
      // Sizes in a data descriptor: find the next header instead.
      const next = buffer.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), start);
      size = (next === -1 ? buffer.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), start) : next) - start;
    }
    const data = buffer.subarray(start, start + size);
    if (name === wanted) return (method === 8 ? inflateRawSync(data) : data).toString();
    at = start + size;
    if (buffer.readUInt32LE(at) === 0x08074b50) at += 16;
  }
  return null;
}
