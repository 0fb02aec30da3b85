// The first-run journey in a real browser: setup, sign-in, an API token, the audit trail.
// Runs `aims serve` (AIMS_BIN) on a fresh data folder, or a fresh PostgreSQL database (support.mjs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, screens as artifacts, label } from "./support.mjs";

let server, browser, base, setupLink;

before(async () => {
  ({ server, base, setupLink } = await startServer());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
});

test(`first run, sign-in, API token and audit trail (${label})`, async () => {
  const page = await browser.newPage();

  // First run: the setup link creates the organization and its admin.
  await page.goto(setupLink);
  await page.fill("#org_name", "Acme AI");
  await page.fill("#org_slug", "Acme AI"); // wrong on purpose
  await page.fill("#name", "Ann Admin");
  await page.fill("#email", "ann@acme.test");
  await page.fill("#password", "correct horse battery staple");
  await page.click("button[type=submit]");
  assert.match(await page.textContent("#org_slug-error"), /lowercase letters/);
  assert.equal(await page.inputValue("#org_name"), "Acme AI", "input is kept after an error");
  await page.fill("#org_slug", "acme-ai");
  await page.fill("#password", "correct horse battery staple");
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/o/acme-ai`);
  assert.match(await page.textContent("h1"), /Acme AI/);
  await page.screenshot({ path: `${artifacts}home-${label}.png`, fullPage: true });

  // Sign out, then sign in again.
  await page.click("text=Sign out");
  await page.waitForURL(`${base}/login`);
  await page.fill("#email", "ann@acme.test");
  await page.fill("#password", "wrong password here");
  await page.click("button[type=submit]");
  assert.match(await page.textContent(".error"), /wrong/);
  await page.fill("#password", "correct horse battery staple");
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/o/acme-ai`);

  // Create an API token; it is shown once and works against the API.
  await page.click("nav >> text=API tokens");
  await page.fill("#token-name", "inventory sync");
  await page.selectOption("#token-role", "contributor");
  await page.click("text=Create token");
  const token = (await page.textContent("#new-token")).trim();
  assert.match(token, /^aims_[0-9a-f]{64}$/);
  await page.screenshot({ path: `${artifacts}tokens-${label}.png`, fullPage: true });
  const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).token_role, "contributor");

  // The audit trail shows what happened, and filters.
  await page.click("nav >> text=Audit trail");
  const rows = await page.locator("table.data > tbody > tr").allTextContents();
  assert.ok(rows.some((r) => r.includes("API token")), rows.join("\n"));
  assert.ok(rows.some((r) => r.includes("organization")), rows.join("\n"));
  await page.fill("input[name=entity_type]", "api_token");
  await page.click("text=Filter");
  const filtered = await page.locator("table.data > tbody > tr").allTextContents();
  assert.equal(filtered.length, 1);
  await page.screenshot({ path: `${artifacts}audit-${label}.png`, fullPage: true });

  // A risk through its form, then the heat map and the maturity radar render as SVG.
  await page.click("nav >> text=Risks");
  await page.click("text=New risk");
  await page.fill("#f-name", "Biased training data");
  await page.selectOption("#f-status", "assessed");
  await page.fill("#f-inherent_likelihood", "4");
  await page.fill("#f-inherent_impact", "5");
  await page.click("form.wide-form button.primary:has-text('Save')");
  await page.waitForURL(/inventory\/risks\/\d+$/);
  assert.match(await page.textContent("h1"), /RSK-1/);
  await page.click("nav >> text=Heat map");
  assert.equal(await page.locator("figure.heat svg").count(), 2);
  assert.equal(await page.locator("figure.heat svg text.count", { hasText: "1" }).count(), 1);
  await page.screenshot({ path: `${artifacts}heatmap-${label}.png`, fullPage: true });
  await page.click("nav >> text=Maturity and roadmap");
  assert.equal(await page.locator("figure.radar svg polygon").count() >= 6, true);
  await page.screenshot({ path: `${artifacts}maturity-${label}.png`, fullPage: true });

  // The token can be revoked from the page.
  await page.click("nav >> text=API tokens");
  await page.click("text=Revoke");
  const after = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(after.status, 401);
});
