import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestStack, type TestStack } from '../support/playground';

/**
 * A person's path through the local playground, in a real browser (Debian's Chromium through
 * playwright-core): send a file from the companion page, pick the task on the bot's card in
 * the Agents Playground, watch it finish, and download the attachment from the To Do panel.
 * Screenshots of both pages go to test-results/ when a step fails. With
 * SAVE_DOCS_SCREENSHOTS=1 it also refreshes docs/playground-chat.png and docs/companion-page.png.
 */

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const SAVE_DOCS = process.env['SAVE_DOCS_SCREENSHOTS'] === '1';

let t: TestStack | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Picks a choice in one of the Playground's card comboboxes (it filters static choices as you type). */
async function choose(page: Page, label: RegExp, typed: string, option: string | RegExp): Promise<void> {
  const box = page.getByRole('combobox', { name: label }).last();
  await box.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(typed, { delay: 30 });
  await page.getByRole('option', { name: option }).first().click();
}

test('send a file from the companion page, attach it in the Playground, download it from the To Do panel', async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it with: apt-get install -y chromium (the CI script .ci/run does this).`);
  }
  t = await startTestStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--disable-gpu',
      '--disable-dev-shm-usage',
      // Without these two Chromium tries to reach update servers (toolchain notes).
      '--disable-component-update',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
      // Chromium's sandbox cannot run as root (CI containers).
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    ],
  });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const playground = await context.newPage();
  const companion = await context.newPage();
  const pages = { playground, companion };

  try {
    // Open the Playground first (npm start says so): the chat shows what arrives while it is open.
    await playground.goto(t.playgroundUrl);
    await playground.getByText('Personal Chat', { exact: true }).click();

    await companion.goto(t.companionUrl);
    await companion.getByText('The Agents Playground is running').waitFor();
    await companion.getByLabel('A file from this computer').check();
    const bytes = randomBytes(4 * 1024 * 1024 + 123);
    await companion.getByLabel('File (up to 64 MB)').setInputFiles({ name: 'Q3 budget review.xlsx', mimeType: 'application/octet-stream', buffer: bytes });
    await companion.getByRole('button', { name: 'Send to the bot' }).click();
    await companion.getByText('Sent “Q3 budget review.xlsx” (4.0 MB)').waitFor();

    await playground.bringToFront();
    await playground.getByText('Attach to a To Do task').waitFor();
    await choose(playground, /^List/, 'Wor', 'Work');
    await playground.getByRole('button', { name: 'Show tasks' }).click();
    // The refreshed card offers the Work list's tasks.
    await choose(playground, /^Task/, 'Quarterly', /^Quarterly report/);
    await playground.getByRole('button', { name: 'Attach', exact: true }).click();
    await playground.getByText('Attached “Q3 budget review.xlsx” to “Quarterly report: final review”').waitFor({ timeout: 45_000 });

    if (SAVE_DOCS) {
      // A second file, so the chat shows a finished card and a fresh picker card.
      const res = await fetch(`${t.companionUrl}/api/files/generate`, {
        method: 'POST',
        headers: { 'x-companion': '1', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Site survey photos.zip', size: 12 * 1024 * 1024 }),
      });
      expect(res.status).toBe(200);
      await playground.getByText('Site survey photos.zip').waitFor();
      await playground.setViewportSize({ width: 1280, height: 1150 });
      await playground.waitForTimeout(500);
      await playground.screenshot({ path: path.join(ROOT, 'docs', 'playground-chat.png') });
    }

    await companion.bringToFront();
    const link = companion.getByRole('link', { name: 'Download Q3 budget review.xlsx from “Quarterly report: final review”' }).first();
    await link.waitFor();
    const [download] = await Promise.all([companion.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('Q3 budget review.xlsx');
    const saved = await download.path();
    expect(sha256(await readFile(saved))).toBe(sha256(bytes));
    // The To Do panel shows the same hash a person would compare.
    await companion.getByText(sha256(bytes)).first().waitFor();

    if (SAVE_DOCS) {
      await companion.getByLabel('Bandwidth limit (the bot’s download and upload)').selectOption({ label: '4 MB/s' });
      await companion.getByRole('button', { name: 'Apply limit' }).click();
      await companion.getByRole('button', { name: 'Throttle: 429 with Retry-After' }).click();
      await companion.getByText('armed, waiting for the next upload chunk').waitFor();
      await companion.screenshot({ path: path.join(ROOT, 'docs', 'companion-page.png'), fullPage: true });
    }
  } catch (err) {
    const dir = path.join(ROOT, 'test-results');
    await mkdir(dir, { recursive: true });
    for (const [name, page] of Object.entries(pages)) {
      await page.screenshot({ path: path.join(dir, `playground-e2e-${name}.png`), fullPage: true }).catch(() => undefined);
    }
    throw err;
  }
});
