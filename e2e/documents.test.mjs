// Documented information, context and leadership in a real browser, without the API: the AI
// policy from its template, refused to its author and to an admin who is not top management,
// approved by top management and published; the audience sees it waiting and one member
// acknowledges; a minor version asks nobody, a major one asks again and keeps the old
// acknowledgement; versions compared; a review recorded; two context issues, a party with two
// requirements (one addressed by a control), and the scope statement with an exclusion.
// axe-core runs on every page visited; screenshots at 1400 and 390 px go to target/e2e-screens.
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

async function signIn(page, email) {
  if (await page.locator("text=Sign out").count()) await page.click("text=Sign out");
  await page.goto(`${base}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
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

test(`documents, context and leadership in the browser (${label})`, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(15000);
  try {
    await journey(page);
  } catch (e) {
    await page.screenshot({ path: `${screens}failure-documents-${label}.png`, fullPage: true });
    throw new Error(`${e.message}\nat ${page.url()}`);
  }
});

async function journey(page) {
  // Setup: Ann the admin, then Mia (author), Tom (top management) and Vic (a reader).
  await page.goto(setupLink);
  await page.fill("#org_name", "Acme AI");
  await page.fill("#org_slug", "acme-ai");
  await page.fill("#name", "Ann Admin");
  await page.fill("#email", "ann@acme.test");
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${base}/o/acme-ai`), page.click("button[type=submit]")]);
  const o = `${base}/o/acme-ai`;
  for (const [email, name, role] of [["mia@acme.test", "Mia Manager", "manager"], ["tom@acme.test", "Tom Top", "manager"], ["vic@acme.test", "Vic Viewer", "viewer"]]) {
    await page.goto(`${o}/members`);
    await page.fill("#email", email);
    await page.fill("#name", name);
    await page.selectOption("#role", role);
    await page.fill("#password", password);
    await visit(page, `member ${name}`, () => page.click("text=Add member"));
  }

  // Ann names Tom top management on the AIMS roles page.
  await visit(page, "aims roles", () => page.click("nav.side a:text-is('AIMS roles')"));
  await visit(page, "new aims role", () => page.click("text=New AIMS role assignment"));
  await page.fill("#f-name", "Chief executive");
  await page.selectOption("#f-aims_role", "top_management");
  await choose(page, "#f-member_id", "tom@");
  await save(page, "aims role saved");
  await page.waitForURL(/inventory\/aims-roles\/\d+$/);

  // Mia starts the AI policy from its template and submits it; she cannot approve her own.
  await signIn(page, "mia@acme.test");
  await visit(page, "templates", () => page.click("nav.side a:text-is('Document templates')"));
  await visit(page, "policy from template", () => page.click("button:has-text('Create'):has(span:text('AI policy from its template'))"));
  assert.match(await page.textContent(".flash"), /created as draft 1\.0/);
  assert.match(await page.inputValue("#content"), /Organization: Acme AI/);
  const policyUrl = page.url().replace(/\/versions\/1\.0$/, "");
  await visit(page, "policy submitted", () => page.click("button:has-text('Submit for review')"));
  assert.match(await page.textContent(".flash"), /in review/);
  await visit(page, "author refused", () => page.click("button:has-text('Approve')"));
  assert.match(await page.textContent(".error[role=alert]"), /author/);

  // Ann, an admin but not top management, is refused too; Tom approves and publishes.
  await signIn(page, "ann@acme.test");
  await page.goto(`${policyUrl}/versions/1.0`);
  await visit(page, "admin refused", () => page.click("button:has-text('Approve')"));
  assert.match(await page.textContent(".error[role=alert]"), /top management/);
  await signIn(page, "tom@acme.test");
  await page.goto(`${policyUrl}/versions/1.0`);
  await visit(page, "policy approved", () => page.click("button:has-text('Approve')"));
  assert.match(await page.textContent(".doc-control"), /Tom Top, as top management/);
  await visit(page, "policy published", () => page.click("button:has-text('Publish')"));
  assert.match(await page.textContent(".flash"), /published/);

  // Vic sees it waiting and acknowledges it.
  await signIn(page, "vic@acme.test");
  await visit(page, "waiting", () => page.click("nav.side a:text-is('Waiting for you')"));
  assert.match(await page.textContent("main table"), /AI policy/);
  await visit(page, "policy to acknowledge", () => page.click("main table a:has-text('AI policy')"));
  await visit(page, "acknowledged", () => page.click("button:has-text('I have read version 1.0')"));
  assert.match(await page.textContent(".flash"), /acknowledged version 1\.0/);

  // Mia publishes a minor version (through Tom): nobody is asked again.
  await signIn(page, "mia@acme.test");
  await page.goto(`${policyUrl}/versions`);
  await page.fill("#change_note", "Clearer purpose");
  await visit(page, "minor draft", () => page.click("button:has-text('Start the draft')"));
  await page.fill("#content", (await page.inputValue("#content")).replace("## Purpose", "## Purpose\n\nIn short: AI that people can trust."));
  await visit(page, "minor saved", () => page.click("button:has-text('Save the draft')"));
  await visit(page, "minor submitted", () => page.click("button:has-text('Submit for review')"));
  await signIn(page, "tom@acme.test");
  await page.goto(`${policyUrl}/versions/1.1`);
  await visit(page, "minor approved", () => page.click("button:has-text('Approve')"));
  await visit(page, "minor published", () => page.click("button:has-text('Publish')"));
  await signIn(page, "vic@acme.test");
  await visit(page, "nothing waiting", () => page.click("nav.side a:text-is('Waiting for you')"));
  assert.match(await page.textContent("main"), /Nothing waits for you/);

  // A major version asks again; the acknowledgement of 1.0 is kept.
  await signIn(page, "mia@acme.test");
  await page.goto(`${policyUrl}/versions`);
  await page.check("input[name=major]");
  await page.fill("#change_note", "New principles");
  await visit(page, "major draft", () => page.click("button:has-text('Start the draft')"));
  await page.fill("#content", (await page.inputValue("#content")) + "\n## Human oversight\n\nA person can always overrule an AI output about a person.\n");
  await visit(page, "major saved", () => page.click("button:has-text('Save the draft')"));
  await visit(page, "major submitted", () => page.click("button:has-text('Submit for review')"));
  await signIn(page, "tom@acme.test");
  await page.goto(`${policyUrl}/versions/2.0`);
  await visit(page, "major approved", () => page.click("button:has-text('Approve')"));
  await visit(page, "major published", () => page.click("button:has-text('Publish')"));
  await signIn(page, "vic@acme.test");
  await visit(page, "waiting again", () => page.click("nav.side a:text-is('Waiting for you')"));
  assert.match(await page.textContent("main table"), /2\.0/);
  await page.goto(`${policyUrl}/versions`);
  const acks = await page.textContent("#acknowledgements table");
  assert.match(acks, /2\.0\s*Everyone in the organization\s*0 of 4/);
  assert.match(acks, /1\.0\s*Everyone in the organization\s*1 of 4/);

  // Compare 1.0 with 2.0, then Mia records a review.
  await page.selectOption("#from", "1.0");
  await page.selectOption("#to", "2.0");
  await visit(page, "diff", () => page.click("button:has-text('Compare')"));
  assert.match(await page.textContent("main"), /Human oversight/);
  await signIn(page, "mia@acme.test");
  await page.goto(`${policyUrl}/versions`);
  await page.selectOption("#outcome", "no_change");
  await page.fill("#notes", "Still fits our AI use.");
  await visit(page, "review recorded", () => page.click("button:has-text('Record the review')"));
  assert.match(await page.textContent("#reviews table"), /Still fits our AI use/);

  // Two context issues.
  for (const [name, origin] of [["EU AI Act obligations for hiring systems", "external"], ["Few people with AI risk skills", "internal"]]) {
    await page.goto(`${o}/inventory/context-issues/new`);
    await page.fill("#f-name", name);
    await page.selectOption("#f-origin", origin);
    await save(page, `issue ${origin}`);
    await page.waitForURL(/inventory\/context-issues\/\d+$/);
  }
  // A control, then a party with two requirements, one addressed by the control.
  await page.goto(`${o}/inventory/controls/new`);
  await page.fill("#f-name", "Human review of automated rejections");
  await page.selectOption("#f-status", "implemented");
  await save(page, "control saved");
  await page.waitForURL(/inventory\/controls\/\d+$/);
  await page.goto(`${o}/inventory/interested-parties/new`);
  await page.fill("#f-name", "Job applicants");
  await page.selectOption("#f-kind", "affected_persons");
  await save(page, "party saved");
  await page.waitForURL(/inventory\/interested-parties\/\d+$/);
  await page.goto(`${o}/inventory/party-requirements/new`);
  await page.fill("#f-name", "A person reviews every automated rejection");
  await choose(page, "#f-party_id", "Job applicants");
  await page.selectOption("#f-addressed", "yes");
  await page.fill("#q-control_ids", "Human review");
  const hit = page.locator("#f-control_ids .found input[type=checkbox]").first();
  await hit.waitFor();
  await hit.check();
  await save(page, "requirement addressed");
  await page.waitForURL(/inventory\/party-requirements\/\d+$/);
  assert.match(await page.textContent("main"), /Human review of automated rejections/);
  await page.goto(`${o}/inventory/party-requirements/new`);
  await page.fill("#f-name", "Feedback on every application");
  await choose(page, "#f-party_id", "Job applicants");
  await page.selectOption("#f-addressed", "no");
  await save(page, "requirement refused without a reason");
  assert.match(await page.textContent("#f-how-error"), /./);
  await page.fill("#f-how", "The volume makes it impossible; the criteria are published instead.");
  await save(page, "requirement not addressed");
  await page.waitForURL(/inventory\/party-requirements\/\d+$/);

  // The scope statement from its template, with an exclusion and its justification.
  await page.goto(`${o}/documents/templates`);
  await visit(page, "scope from template", () => page.click("button:has-text('Create'):has(span:text('Scope of the AI management system from its template'))"));
  const scope = (await page.inputValue("#content")).replace(
    "| [To complete] | [To complete: why leaving it out does not affect the AIMS's ability to meet its requirements] |",
    "| The office chatbot | An internal productivity tool with no effect on customers; covered by the IT policy |");
  await page.fill("#content", scope);
  await visit(page, "scope saved", () => page.click("button:has-text('Save the draft')"));
  assert.match(await page.textContent("article.document"), /The office chatbot/);
  await visit(page, "scope submitted", () => page.click("button:has-text('Submit for review')"));
  const scopeUrl = page.url();
  await signIn(page, "tom@acme.test");
  await page.goto(scopeUrl);
  await visit(page, "scope approved", () => page.click("button:has-text('Approve')"));
  await visit(page, "scope published", () => page.click("button:has-text('Publish')"));
  await page.goto(scopeUrl.replace(/\/1\.0$/, ""));
  assert.match(await page.textContent("#scope-check"), /exactly those marked in scope/);

  // Screenshots at both widths; none scrolls sideways at 390 px.
  const shots = [["doc-versions", `${policyUrl}/versions`], ["doc-version", `${policyUrl}/versions/2.0`],
    ["doc-templates", `${o}/documents/templates`], ["waiting", `${o}/acknowledgements`], ["raci", `${o}/raci-matrix`],
    ["aims-roles", `${o}/inventory/aims-roles`], ["reporting-link", `${o}/reporting-link`], ["scope", scopeUrl]];
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
