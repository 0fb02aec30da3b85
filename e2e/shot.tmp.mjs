import { chromium } from "playwright-core";
const base = "http://127.0.0.1:18099";
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox","--disable-gpu","--disable-background-networking"] });
const p = await b.newPage({ viewport: { width: 1280, height: 900 } });
await p.goto(base + "/login");
await p.fill("#email", "ann@acme.test"); await p.fill("#password", "correct horse battery staple");
await p.click("button[type=submit]");
for (const [name, path] of process.argv.slice(2).map(a => a.split("="))) {
  const t0 = Date.now(); await p.goto(base + path); const ms = Date.now() - t0;
  await p.screenshot({ path: `/tmp/shot/${name}.png`, fullPage: false }); console.log(name, ms, "ms");
}
await b.close();
