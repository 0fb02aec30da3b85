// The Plan half in a real browser, without the API: risk criteria, a control linked to A.6.2.4
// through the picker, evidence, an edit that keeps the link, all 38 SoA entries in one form,
// approval by someone other than the last editor, the XLSX, delete after confirming, restore.
// axe-core runs on every page visited; screenshots at 1400 and 390 px go to target/e2e-screens.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, axeProblems, scrollsSideways, zipEntry, screens, label } from "./support.mjs";

let server, browser, base, setupLink;
const problems = [];
const password = "correct horse battery staple";

before(async () => {
  ({ server, base, setupLink } = await startServer());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
});

/** Goes to a page by clicking or loading, then checks it with axe. */
async function visit(page, name, action) {
  if (action) await action();
  await page.waitForLoadState("load");
  problems.push(...(await axeProblems(page, name)));
}

async function signIn(page, email) {
  await page.goto(`${base}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
}

test(`the Plan half in the browser (${label})`, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(15000);
  try {
    await journey(page);
  } catch (e) {
    await page.screenshot({ path: `${screens}failure-${label}.png`, fullPage: true });
    throw new Error(`${e.message}\nat ${page.url()}`);
  }
});

async function journey(page) {

  // Setup: the organization and its admin, Ann.
  await page.goto(setupLink);
  await page.fill("#org_name", "Acme AI");
  await page.fill("#org_slug", "acme-ai");
  await page.fill("#name", "Ann Admin");
  await page.fill("#email", "ann@acme.test");
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${base}/o/acme-ai`), page.click("button[type=submit]")]);
  const o = `${base}/o/acme-ai`;
  await visit(page, "dashboard");

  // Risk criteria: a stricter acceptance threshold, previewed then saved.
  await visit(page, "heat map", () => page.click("nav.side a:text-is(\'Heat map\')"));
  await visit(page, "risk criteria", () => page.click("text=Change the risk criteria"));
  await page.fill("#acceptance_threshold", "6");
  await visit(page, "criteria preview", () => page.click("button[name=_preview]"));
  assert.match(await page.textContent("figcaption"), /Preview/);
  await visit(page, "criteria saved", () => page.click("text=Save the criteria"));
  assert.match(await page.textContent(".flash"), /Risk criteria saved/);
  assert.equal(await page.inputValue("#acceptance_threshold"), "6");

  // A control linked to A.6.2.4 through the picker (live search).
  await visit(page, "controls", () => page.click("nav.side a:text-is(\'Controls\')"));
  await visit(page, "new control", () => page.click("text=New control"));
  await page.fill("#f-name", "Verification of models before release");
  await page.selectOption("#f-status", "implemented");
  await page.fill("#q-requirement_ids", "A.6.2.4");
  const hit = page.locator("#f-requirement_ids .found input[type=checkbox]").first();
  await hit.waitFor();
  assert.match(await page.locator("#f-requirement_ids .found label").first().textContent(), /A\.6\.2\.4/);
  await hit.check();
  assert.equal(await page.locator("#f-requirement_ids ul.picked input:checked").count(), 1, "the ticked result moves to the chosen list");
  await visit(page, "control saved", () => page.click("form.wide-form button.primary:has-text('Save')"));
  await page.waitForURL(/inventory\/controls\/\d+$/);
  const controlUrl = page.url();
  assert.match(await page.textContent(".flash"), /CTL-1 created/);
  assert.match(await page.textContent("#links"), /A\.6\.2\.4/);

  // Evidence for it, with a file.
  await visit(page, "evidence", () => page.click("nav.side a:text-is(\'Evidence\')"));
  await visit(page, "new evidence", () => page.click("text=New evidence"));
  await page.fill("#f-name", "Release verification report");
  await page.selectOption("#f-kind", "file");
  await page.fill("#q-control_ids", "CTL-1");
  await page.locator("#f-control_ids .found input[type=checkbox]").first().check();
  await visit(page, "evidence saved", () => page.click("form.wide-form button.primary:has-text('Save')"));
  await page.waitForURL(/inventory\/evidence\/\d+$/);
  await page.setInputFiles("#file", { name: "report.txt", mimeType: "text/plain", buffer: Buffer.from("verified") });
  await visit(page, "evidence file", () => page.click("button:text-is('Upload')"));
  assert.ok(await page.locator("text=Download file").count() >= 1);

  // The control's title edited: the link to A.6.2.4 survives.
  await page.goto(controlUrl);
  await visit(page, "edit control", () => page.click("a.button.primary:has-text('Edit')"));
  await page.fill("#f-name", "Verification and validation of models");
  await visit(page, "control edited", () => page.click("form.wide-form button.primary:has-text('Save')"));
  await page.waitForURL(controlUrl);
  assert.match(await page.textContent("h1"), /Verification and validation of models/);
  assert.match(await page.textContent("#links"), /A\.6\.2\.4/, "the requirement link survives the edit");
  assert.match(await page.textContent("#links"), /EV-1/);

  // All 38 SoA entries decided in the one form.
  await visit(page, "soa", () => page.click("nav.side a:text-is(\'Statement of Applicability\')"));
  const rows = page.locator("table.soa > tbody > tr");
  assert.equal(await rows.count(), 38);
  for (let i = 0; i < 38; i++) {
    const row = rows.nth(i);
    const ref = (await row.getAttribute("id")) ?? "";
    if (ref === "A.6.2.4") {
      await row.locator("select[name^=applicable_]").selectOption("yes");
      await row.locator("textarea").fill("Treats the risk of releasing unverified models");
      await row.locator("select[name^=status_]").selectOption("implemented");
    } else {
      await row.locator("select[name^=applicable_]").selectOption("no");
      await row.locator("textarea").fill(`Not needed for ${ref} in our scope`);
    }
  }
  await visit(page, "soa saved", () => page.click("text=Save the SoA"));
  assert.match(await page.textContent(".flash"), /38 entries saved/);
  assert.match(await page.textContent(".lead"), /38 of 38 decided/);

  // Ann decided last: she cannot approve.
  await page.fill("#note", "management review 2026-12");
  await visit(page, "soa refused", () => page.click("text=Approve this SoA as a new version"));
  assert.match(await page.textContent("#approver-error"), /last change/);

  // Max, another manager, added on the members page, approves.
  await visit(page, "members", () => page.click("nav.side a:text-is(\'Members\')"));
  await page.fill("#email", "max@acme.test");
  await page.fill("#name", "Max Manager");
  await page.selectOption("#role", "manager");
  await page.fill("#password", password);
  await visit(page, "member added", () => page.click("text=Add member"));
  await page.click("text=Sign out");
  await signIn(page, "max@acme.test");
  await page.goto(`${o}/soa`);
  await visit(page, "soa as max");
  await page.fill("#note", "management review 2026-12");
  await visit(page, "soa approved", () => page.click("text=Approve this SoA as a new version"));
  assert.match(await page.textContent(".flash"), /approved as version 1/);
  assert.match(await page.textContent(".approval"), /Version 1 approved by Max Manager/);

  // The XLSX names the version and its approver.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("a.button:has-text('XLSX')")]);
  const { readFile } = await import("node:fs/promises");
  const xlsx = await readFile(await download.path());
  const strings = await zipEntry(xlsx, "xl/sharedStrings.xml");
  assert.ok(strings?.includes("Version 1 approved by Max Manager"), strings ?? "no sharedStrings.xml");

  // A risk, deleted after a confirmation, then restored by a manager.
  await visit(page, "risks", () => page.click("nav.side a:text-is(\'Risks\')"));
  await visit(page, "new risk", () => page.click("text=New risk"));
  await page.fill("#f-name", "Unverified model released");
  await page.selectOption("#f-status", "assessed");
  await page.fill("#f-inherent_likelihood", "2");
  await page.fill("#f-inherent_impact", "3");
  await visit(page, "risk saved", () => page.click("form.wide-form button.primary:has-text('Save')"));
  await page.waitForURL(/inventory\/risks\/\d+$/);
  await visit(page, "risk delete confirmation", () => page.click("text=Delete this risk"));
  assert.match(await page.textContent("h1"), /Delete RSK-1/);
  await visit(page, "risk deleted", () => page.click("button:has-text('Delete RSK-1')"));
  assert.match(await page.textContent(".flash"), /RSK-1 deleted/);
  await visit(page, "deleted risk", () => page.click(".flash >> text=Restore it"));
  await visit(page, "risk restored", () => page.click("button:has-text('Restore RSK-1')"));
  assert.match(await page.textContent(".flash"), /RSK-1 restored/);
  assert.match(await page.textContent("h1"), /Unverified model released/);

  // The audit trail shows the change as a diff.
  await visit(page, "audit", () => page.click("nav.side a:text-is(\'Audit trail\')"));
  assert.ok(await page.locator("table.diff").count() > 0);

  // Screenshots at both widths; none scrolls sideways at 390 px.
  await page.goto(controlUrl);
  const requirementUrl = base + (await page.locator("#links a[href*='/requirements/']").first().getAttribute("href"));
  const shots = [["dashboard", `${o}`], ["register-list", `${o}/inventory/risks`], ["record", controlUrl],
    ["soa", `${o}/soa`], ["maturity", `${o}/maturity`], ["criteria", `${o}/risks/criteria`],
    ["requirement", requirementUrl], ["tokens", `${o}/tokens`], ["members", `${o}/members`], ["audit", `${o}/audit`]];
  const wide = [];
  for (const width of [1400, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const [name, url] of shots) {
      await page.goto(url);
      await visit(page, `${name} at ${width}`);
      if (width === 390 && (await scrollsSideways(page))) wide.push(name);
      await page.screenshot({ path: `${screens}${name}-${width}-${label}.png`, fullPage: true });
    }
  }
  assert.deepEqual(wide, [], `pages that scroll sideways at 390 px: ${wide.join(", ")}`);
  assert.deepEqual(problems, [], `serious or critical accessibility problems:\n${problems.join("\n")}`);
}
