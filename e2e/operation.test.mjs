// Objectives, competence and incidents in a real browser, without the API: an objective with a
// KPI and three measurements shows its chart with the target line; a training closes a
// person's competence gap; an incident answered as serious with a death shows its 10-day
// reporting deadline counting down on the dashboard. axe-core runs on every page visited;
// screenshots at 1400 and 390 px go to target/e2e-screens.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, axeProblems, scrollsSideways, screens, label } from "./support.mjs";

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

async function visit(page, name, action) {
  if (action) await action();
  await page.waitForLoadState("load");
  problems.push(...(await axeProblems(page, name)));
}

/** Chooses the option of a select whose text contains `text`. */
async function choose(page, select, text) {
  const value = await page.$eval(select, (s, t) => [...s.options].find((o) => o.textContent.includes(t))?.value, text);
  assert.ok(value, `no option with "${text}" in ${select}`);
  await page.selectOption(select, value);
}

async function save(page, name) {
  await visit(page, name, () => page.click("form.wide-form button.primary:has-text('Save')"));
}

async function pick(page, field, query) {
  await page.fill(`#q-${field}`, query);
  const hit = page.locator(`#f-${field} .found input[type=checkbox]`).first();
  await hit.waitFor();
  await hit.check();
}

test(`objectives, competence and incidents in the browser (${label})`, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(15000);
  try {
    await journey(page);
  } catch (e) {
    await page.screenshot({ path: `${screens}failure-operation-${label}.png`, fullPage: true });
    throw new Error(`${e.message}\nat ${page.url()}`);
  }
});

async function journey(page) {
  await page.goto(setupLink);
  await page.fill("#org_name", "Acme AI");
  await page.fill("#org_slug", "acme-ai");
  await page.fill("#name", "Ann Admin");
  await page.fill("#email", "ann@acme.test");
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${base}/o/acme-ai`), page.click("button[type=submit]")]);
  const o = `${base}/o/acme-ai`;

  // An objective, its KPI, three measurements: the chart draws them with the target line.
  await visit(page, "objectives", () => page.goto(`${o}/inventory/objectives/new`));
  await page.fill("#f-name", "Every automated rejection is reviewed by a person");
  await page.selectOption("#f-status", "active");
  await save(page, "objective saved");
  await page.waitForURL(/inventory\/objectives\/\d+$/);
  await visit(page, "new KPI", () => page.goto(`${o}/inventory/kpis/new`));
  await page.fill("#f-name", "Share of rejections reviewed");
  await choose(page, "#f-objective_id", "OBJ-1");
  await page.selectOption("#f-direction", "up");
  await page.fill("#f-target", "95");
  await page.fill("#f-warning", "90");
  await page.fill("#f-unit", "%");
  await page.selectOption("#f-frequency", "monthly");
  await save(page, "KPI saved");
  await page.waitForURL(/inventory\/kpis\/\d+$/);
  await visit(page, "KPI page", () => page.click("text=Measurements and chart"));
  const today = new Date();
  const monthEnd = (back) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - back, 0)).toISOString().slice(0, 10);
  for (const [back, value] of [[3, "91"], [2, "93.5"], [1, "96"]]) {
    await page.fill("#value", value);
    await page.fill("#period_end", monthEnd(back));
    await visit(page, `measurement ${value}`, () => page.click("button:text-is('Record the measurement')"));
    assert.match(await page.textContent(".flash"), /recorded/);
  }
  assert.equal(await page.locator(".chart-box svg polyline.values").count(), 1, "the values are drawn as a line");
  assert.equal(await page.locator(".chart-box svg circle").count(), 3, "one point per measurement");
  assert.equal(await page.locator(".chart-box svg line.target").count(), 1, "the target line");
  assert.equal(await page.locator("table.data tbody tr").count(), 3, "the table view has the three values");
  await page.screenshot({ path: `${screens}kpi-${label}.png`, fullPage: true });

  // A competence the AIMS manager role requires; Ana holds the role and lacks it.
  await visit(page, "new competence", () => page.goto(`${o}/inventory/competences/new`));
  await page.fill("#f-name", "AI risk assessment method");
  await page.selectOption("#f-aims_role", "aims_manager");
  await save(page, "competence saved");
  await visit(page, "new person", () => page.goto(`${o}/inventory/people/new`));
  await page.fill("#f-name", "Ana Ribeiro");
  await page.fill("#f-unit", "Risk");
  await page.fill("#f-email", "ana@example.org");
  await page.check("input[name=aims_roles][value=aims_manager]");
  await save(page, "person saved");
  await visit(page, "competence overview", () => page.click("nav.side a:text-is('Competence overview')"));
  assert.match(await page.textContent("main"), /1\s+gap in all/);
  assert.equal(await page.locator("#PER-1 + .table-box .chip.bad").count(), 1, "Ana's gap");
  // The training she attended closes it.
  await visit(page, "new training", () => page.goto(`${o}/inventory/trainings/new`));
  await page.fill("#f-name", "Risk method workshop");
  await page.fill("#f-held_on", today.toISOString().slice(0, 10));
  await page.fill("#f-duration_hours", "3.5");
  await pick(page, "attendee_ids", "Ana");
  await pick(page, "competence_ids", "risk");
  await save(page, "training saved");
  await page.waitForURL(/inventory\/trainings\/\d+$/);
  await visit(page, "competence closed", () => page.click("nav.side a:text-is('Competence overview')"));
  assert.match(await page.textContent("main"), /0\s+gaps in all/);
  assert.match(await page.textContent("#PER-1 + .table-box"), /held[\s\S]*TRN-1/);
  await page.screenshot({ path: `${screens}competence-${label}.png`, fullPage: true });

  // An incident: serious, a person died; aware now. The dashboard counts down 10 days.
  await visit(page, "new incident", () => page.goto(`${o}/inventory/incidents/new`));
  await page.fill("#f-name", "Triage assistant sent a critical patient home");
  await page.selectOption("#f-severity", "critical");
  await page.selectOption("#f-status", "investigating");
  await save(page, "incident saved");
  await page.waitForURL(/inventory\/incidents\/\d+$/);
  await visit(page, "incident page", () => page.click("text=Deadline, test and timeline"));
  await page.check("input[name=harm_death]");
  await page.selectOption("#reporting_role", "provider");
  await visit(page, "test answered", () => page.click("button:text-is('Save the answers')"));
  assert.match(await page.textContent("#deadline"), /record when you became aware/);
  await page.selectOption("#kind", "became_aware");
  await visit(page, "became aware", () => page.click("button:text-is('Add the entry')"));
  assert.match(await page.textContent("#deadline"), /Report due by .*(9 days 23 hours|10 days) left \(10-day deadline, Art\. 73\(4\)/);
  assert.match(await page.textContent("#deadline"), /Hold \(Art\. 73\(6\)\)/);
  await page.screenshot({ path: `${screens}incident-${label}.png`, fullPage: true });
  await visit(page, "dashboard", () => page.click("nav.side a:text-is('Dashboard')"));
  const card = await page.textContent("#incident-deadlines");
  assert.match(card, /INC-1/);
  assert.match(card, /(9 days 23 hours|10 days) left\s+of the 10-day deadline/);
  await page.screenshot({ path: `${screens}dashboard-deadline-${label}.png`, fullPage: true });

  // At 390 px nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 800 });
  for (const path of ["", "/competence", "/incidents/1", "/kpis/1"]) {
    await visit(page, `narrow ${path}`, () => page.goto(`${o}${path}`));
    assert.equal(await scrollsSideways(page), false, `${path} scrolls sideways at 390 px`);
  }
  await page.screenshot({ path: `${screens}incident-390-${label}.png`, fullPage: true });
  assert.deepEqual(problems, [], problems.join("\n"));
}
