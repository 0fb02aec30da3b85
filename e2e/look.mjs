// Screenshots of pages at two widths, for a look during development (not part of the suite).
import { chromium } from "playwright-core";
const base = process.env.BASE ?? "http://127.0.0.1:18400";
const out = process.env.OUT ?? "/tmp/look";
const pages = (process.env.PAGES ?? "/o/acme").split(",");
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
for (const width of [1400, 390]) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(`${base}/login`);
  await page.fill("#email", process.env.EMAIL ?? "ann@acme.test");
  await page.fill("#password", "correct horse battery staple");
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  for (const p of pages) {
    await page.goto(base + p);
    const name = p.replace(/[^a-z0-9]+/gi, "_");
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    await page.screenshot({ path: `${out}/${name}-${width}.png`, fullPage: process.env.FULL === "1" });
    console.log(width, p, sideways ? "SCROLLS SIDEWAYS" : "ok");
  }
  await page.close();
}
await browser.close();
