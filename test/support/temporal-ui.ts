/**
 * Driving the Temporal Web UI (2.42, embedded in the dev server) from headless Chromium: the Start
 * Workflow form, the workflow page and its Send a Signal dialog, and screenshots of each stage.
 *
 * Selectors follow the UI's own markup: labelled inputs, `role="tab"`/`"menuitem"`/`"option"`, and
 * the CodeMirror JSON editors, which sit in a container that the "Data" label points at.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium, as `scripts/provision.js` installs it. */
export const chromiumPath = '/usr/bin/chromium';

/** Where every stage's screenshot goes (git-ignored). */
export const screenshotsDir = path.resolve(__dirname, '..', '..', 'test-results', 'e2e');

/** Where the screenshots the README shows are kept (checked in). */
export const docsImagesDir = path.resolve(__dirname, '..', '..', 'docs', 'images');

/**
 * Far beyond any real delay of the UI on a busy 2-core machine: reaching it means the element never
 * came. It bounds waits only; nothing asserts on durations.
 */
export const uiWaitMs = 90_000;

/** Headless Chromium, sandbox off (tests run as root). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: run \`node scripts/provision.js\` (as root) or \`apt-get install -y chromium\``);
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
}

/**
 * A page with generous waits for every element, tall enough that a screenshot holds the whole Start
 * Workflow form or Current details table: the UI scrolls an inner panel, so full-page shots add nothing.
 */
export async function newUiPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
  page.setDefaultTimeout(uiWaitMs);
  page.setDefaultNavigationTimeout(uiWaitMs);
  return page;
}

/**
 * Saves `test-results/e2e/<name>.png`. With `docs` and TURNOUT_UPDATE_DOCS_IMAGES=1, also copies it
 * to `docs/images/<docs>.png` for the README: a normal test run leaves the checked-in images alone.
 */
export async function screenshot(page: Page, name: string, docs?: string): Promise<void> {
  mkdirSync(screenshotsDir, { recursive: true });
  const file = path.join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path: file });
  if (!docs || process.env.TURNOUT_UPDATE_DOCS_IMAGES !== '1') return;
  mkdirSync(docsImagesDir, { recursive: true });
  copyFileSync(file, path.join(docsImagesDir, `${docs}.png`));
}

/**
 * The CodeMirror editor labelled "Data" inside `scope`. Its label points at the editor's container,
 * not at the editable element, so the label's `for` leads to it.
 */
async function dataEditor(scope: Page | Locator): Promise<Locator> {
  const id = await scope.locator('label', { hasText: /^\s*Data\s*$/ }).getAttribute('for');
  if (!id) throw new Error('the "Data" label of the JSON editor points at nothing');
  return scope.locator(`[id="${id}"]`).getByRole('textbox');
}

/**
 * Types `json` into the "Data" editor of `scope`, then leaves the editor. The UI reformats the JSON
 * when the editor loses focus, which moves the buttons below it: leaving it first keeps a later
 * click from landing where a button used to be.
 */
export async function typeJsonInput(page: Page, scope: Page | Locator, json: string): Promise<void> {
  const editor = await dataEditor(scope);
  await editor.click();
  await page.keyboard.insertText(json);
  // Back to the top, so that a screenshot shows the input's first fields rather than its end.
  await page.keyboard.press('Control+Home');
  await editor.blur();
}

/** What the Start Workflow form asks for. */
export interface StartWorkflowForm {
  workflowId: string;
  taskQueue: string;
  workflowType: string;
  /** The single JSON payload, as typed into "Input > Data". */
  input: string;
}

/** Opens the namespace's workflow list, then its Start Workflow form. */
export async function openStartWorkflowForm(page: Page, uiUrl: string, namespace: string): Promise<void> {
  await page.goto(`${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows`);
  await page.getByRole('button', { name: 'Start Workflow' }).click();
  await page.getByRole('heading', { name: 'Start a Workflow' }).waitFor();
}

/** Opens the namespace's workflow list filtered by a visibility query, as typed in the UI's search box. */
export async function openWorkflowList(page: Page, uiUrl: string, namespace: string, query: string): Promise<void> {
  await page.goto(`${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`);
}

/** Opens one workflow run's page (its History tab), as a link from the workflow list would. */
export async function openWorkflowPage(page: Page, uiUrl: string, namespace: string, workflowId: string, runId: string): Promise<void> {
  await page.goto(`${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`);
  await page.getByRole('heading', { name: workflowId }).waitFor();
}

/** Fills the Start Workflow form, json/plain encoding. */
export async function fillStartWorkflowForm(page: Page, form: StartWorkflowForm): Promise<void> {
  await page.getByLabel('Workflow ID').fill(form.workflowId);
  await page.getByLabel('Task Queue').fill(form.taskQueue);
  await page.getByLabel('Workflow Type').fill(form.workflowType);
  await typeJsonInput(page, page, form.input);
  await page.getByLabel('json/plain').check();
}

/** Submits the form and follows the UI's "Workflow started successfully" link to the workflow page. */
export async function submitStartWorkflowForm(page: Page, workflowId: string): Promise<void> {
  await page.getByRole('button', { name: 'Start Workflow' }).click();
  await page.getByRole('link', { name: 'Workflow started successfully' }).click();
  await page.waitForURL((url) => url.pathname.includes(`/workflows/${encodeURIComponent(workflowId)}/`));
}

/** The workflow's status badge in the page header ("Running", "Completed", "Failed"...). */
export function statusBadge(page: Page, status: string): Locator {
  return page.locator('header').getByText(status, { exact: true });
}

/** Opens the User Metadata tab; returns the frame in which the UI renders Current details' Markdown. */
export async function openCurrentDetails(page: Page): Promise<FrameLocator> {
  await page.getByRole('tab', { name: 'User Metadata' }).click();
  await page.getByRole('heading', { name: 'Current Details' }).waitFor();
  return page.frameLocator('iframe[title="output"]');
}

/** Opens More Actions > Send a Signal; returns the dialog. */
export async function openSignalDialog(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send a Signal' });
  await dialog.waitFor();
  return dialog;
}

/** Opens the dialog's signal list; returns the option of each signal the workflow registered. */
export async function openSignalList(dialog: Locator): Promise<Locator> {
  await dialog.getByRole('button', { name: 'Select a signal' }).click();
  const options = dialog.getByRole('option');
  await options.first().waitFor();
  return options;
}

/** Chooses `signal` in the open list and types its JSON input. */
export async function fillSignalDialog(page: Page, dialog: Locator, signal: string, input: string): Promise<void> {
  await dialog.getByRole('option').filter({ has: page.getByText(signal, { exact: true }) }).click();
  await typeJsonInput(page, dialog, input);
}

/** Submits the dialog and waits until it closes (the UI closes it once the server took the signal). */
export async function submitSignalDialog(dialog: Locator): Promise<void> {
  await dialog.getByRole('button', { name: 'Submit' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/** The text of the code panel under a workflow page heading ("Input", "Result"). */
export async function panelText(page: Page, heading: string): Promise<string> {
  const panel = page.getByRole('heading', { name: heading, exact: true, level: 2 }).locator('xpath=..').getByRole('textbox');
  await panel.waitFor();
  // The panel shows `null` until the UI has fetched what it holds (slower on a busy machine).
  const deadline = Date.now() + uiWaitMs;
  for (;;) {
    const text = (await panel.textContent()) ?? '';
    if ((text.trim() !== 'null' && text.trim() !== '') || Date.now() > deadline) return text;
    await page.waitForTimeout(200);
  }
}
