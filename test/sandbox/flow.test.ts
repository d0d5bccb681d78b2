/**
 * The sandbox clicked through as a person would, in Chromium: `npm run sandbox` started as a real
 * process, one page, the first-run checklist from top to bottom. Each step checks what the page
 * means (who approved, which transaction, what AWS was sent), leaves a screenshot in
 * `test-output/sandbox/`, and the page must not log a single error on the way.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChecklistId } from '../../src/sandbox/protocol.js';
import { NOTICE_KEEP_ACTION } from '../../src/slack/views/notices.js';
import {
  APPROVE_ACTION,
  CANCEL_ACTION,
  REJECT_ACTION,
} from '../../src/slack/views/request-card.js';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  type PageProblems,
  README_SCREENSHOT,
  type SandboxProcess,
  screenshot,
  startSandboxForTest,
} from '../helpers/browser.js';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';

/** Offerings of the seeded account (`src/sim/seed.ts`), by what a person reads on the page. */
const HELD_OFFERING = 'Android Remote Access Unmetered Device Slot';
const NEW_OFFERING = 'Android Private Device Slot';
const QUANTITY = 2;
const REASON = 'Load tests for the spring release, until the end of May.';
/** The bot's own words for an empty reason (`parseReason`): the error comes from the bot. */
const NO_REASON_ERROR = 'Say why this is needed; approvers read it before deciding.';

/** How long the page may take to show what the bot did (it answers within a second or two). */
const SHOWN_WITHIN_MS = 15_000;
const STEP_TIMEOUT_MS = 60_000;
const VIEWPORT = { width: 1440, height: 900 };

let sandbox: SandboxProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let problems: PageProblems = [];
/** Set once a step fails: the steps after it act on a page in an unknown state, so they skip. */
let broken = false;
let stepNumber = 0;

/** What the steps learn and the later ones check against. */
const seen = {
  requestId: '',
  offeringId: '',
  transactionId: '',
  renewalRequestId: '',
};

/**
 * One step of the flow, in order. A screenshot afterwards, named for the step; `snap(what)` takes
 * one more on the way.
 */
function step(name: string, fn: (snap: (what: string) => Promise<void>) => Promise<void>): void {
  stepNumber += 1;
  const prefix = String(stepNumber).padStart(2, '0');
  const shot = `${prefix}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.replace(/-+$/, '');
  const snap = async (what: string) => {
    await screenshot(page, `${prefix}-${what}`);
  };
  it(
    name,
    async (ctx) => {
      if (broken) ctx.skip();
      try {
        await fn(snap);
      } catch (err) {
        broken = true;
        if (problems.length > 0)
          console.error(`problems on the page so far:\n${problems.join('\n')}`);
        throw err;
      } finally {
        if (page && !page.isClosed()) await screenshot(page, shot).catch(() => undefined);
      }
    },
    STEP_TIMEOUT_MS,
  );
}

describeBrowser('the sandbox in a browser', () => {
  beforeAll(async () => {
    sandbox = await startSandboxForTest();
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser, sandbox.url, { viewport: VIEWPORT }));
    page.setDefaultTimeout(SHOWN_WITHIN_MS);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  }, 30_000);

  step('page opens on the checklist, as Alice', async () => {
    await shown(page.getByTestId('sandbox-banner'));
    expect(await page.getByTestId('sandbox-banner').textContent()).toMatch(
      /imitation[\s\S]*Slack[\s\S]*AWS|Slack[\s\S]*AWS[\s\S]*imitation/i,
    );
    await shown(page.getByTestId('checklist'));
    const items = page.getByTestId('checklist').locator('[data-testid^="check-"]');
    expect(await items.count()).toBe(7);
    expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-done')))).toEqual(
      Array(7).fill('false'),
    );
    const switcher = page.getByTestId('person-switcher');
    expect(await switcher.inputValue()).toBe(ALICE);
    expect(await switcher.locator('option:checked').textContent()).toMatch(/^Alice — requester/);
    await shown(page.getByTestId('channel'));
    await shown(page.getByTestId('aws-panel'));
  });

  step('/slots status shows the seeded slots and their costs, to Alice only', async () => {
    const composer = channelComposer();
    await composer.fill('/slots status');
    await shown(page.getByTestId('composer-hint'));
    expect(await page.getByTestId('composer-hint').textContent()).toContain('/slots');
    await composer.press('Enter');

    const status = ephemerals().filter({ hasText: 'Reserved capacity' });
    await shown(status.last());
    const text = await readText(status.last());
    expect(text).toContain('Only visible to you');
    expect(text).toContain(HELD_OFFERING);
    expect(text).toMatch(/Device Farm slots · \d+ slots? held/);
    // Per-slot lines: "now 2 ($500.00/mo)"; totals: "Monthly cost now: $1,750.00".
    expect(text).toMatch(/now \d+ \(\$[\d,]+\.\d{2}\/mo\)/);
    expect(text).toMatch(/Monthly cost now: \$[\d,]+\.\d{2}/);
    expect(text).toContain('MediaConnect reservations');
    await done('status');
  });

  step(
    '/slots purchase: the bot refuses an empty reason inline, then the request is made',
    async (snap) => {
      const composer = channelComposer();
      await composer.fill('/slots purchase');
      await composer.press('Enter');

      const modal = page.getByTestId('modal');
      await shown(modal);
      // The loading view comes first; the form follows once the bot has read the offerings.
      const offering = modal.getByLabel('Offering');
      await shown(offering);
      expect(await modal.textContent()).toContain('Buy Device Farm slots');
      await modal.getByRole('radio', { name: 'Device Farm device slots' }).check();
      expect(await modal.getByRole('radio', { name: 'MediaConnect bandwidth' }).isChecked()).toBe(
        false,
      );

      const option = offering.locator('option', { hasText: NEW_OFFERING });
      seen.offeringId = (await option.getAttribute('value')) ?? '';
      expect(seen.offeringId).toMatch(/^[0-9a-f-]{32,}$/);
      await offering.selectOption(seen.offeringId);
      await modal.getByLabel('Slots to buy').fill(String(QUANTITY));
      // Spaces only: a form field that is filled in, but a reason the bot's own check refuses.
      await modal.getByLabel('Reason').fill('   ');
      await modal.getByTestId('modal-submit').click();

      // Under the reason, and only there: the bot answered `response_action: errors` for it.
      const reasonBlock = modal.locator('[data-block-type="input"]').filter({ hasText: 'Reason' });
      await shown(reasonBlock.getByTestId('field-error'));
      expect(await reasonBlock.getByTestId('field-error').textContent()).toContain(NO_REASON_ERROR);
      expect(await modal.getByTestId('field-error').count()).toBe(1);
      await snap('field-error');
      // Still the form, still as filled in.
      expect(await modal.getByLabel('Offering').inputValue()).toBe(seen.offeringId);
      expect(await modal.getByLabel('Slots to buy').inputValue()).toBe(String(QUANTITY));

      await modal.getByLabel('Reason').fill(REASON);
      await modal.getByTestId('modal-submit').click();
      await poll(() => modal.textContent(), 'the "Request sent" view').toMatch(
        /Request sent[\s\S]*waiting for approval/,
      );
      const sent = (await modal.textContent()) ?? '';
      seen.requestId = /Request ([0-9A-Z]{8}) is waiting/.exec(sent)?.[1] ?? '';
      expect(seen.requestId, sent).not.toBe('');
      await modal.getByTestId('modal-close').click();
      await gone(modal);

      const card = requestCard('Buy Device Farm slots', seen.requestId);
      await shown(card);
      const text = await readText(card);
      expect(text).toContain(NEW_OFFERING);
      expect(text).toContain(REASON);
      expect(text).toMatch(/Waiting for approval/);
      for (const [actionId, label] of [
        [APPROVE_ACTION, 'Approve'],
        [REJECT_ACTION, 'Reject'],
        [CANCEL_ACTION, 'Cancel request'],
      ] as const) {
        const button = card.locator(`button[data-action-id="${actionId}"]`);
        expect(await button.textContent()).toBe(label);
      }
      await done('request');
    },
  );

  step('Alice may not approve her own request, and is told why', async () => {
    const card = requestCard('Buy Device Farm slots', seen.requestId);
    await approveThroughDialog(card);
    const refusal = ephemerals().filter({ hasText: 'Nobody can approve their own request' });
    await shown(refusal.last());
    const text = await readText(refusal.last());
    expect(text).toContain('Only visible to you');
    expect(text).toContain(seen.requestId);
    await done('self-approve');
    expect(await awsCalls('PurchaseOffering').count()).toBe(0);
    expect(await readText(card)).toMatch(/Waiting for approval/);
  });

  step('Bob approves: the card names him and the transaction, and so does the thread', async () => {
    await actAs(BOB);
    // Alice's note was for her eyes only.
    expect(await ephemerals().count()).toBe(0);
    const card = requestCard('Buy Device Farm slots', seen.requestId);
    const dialog = await approveThroughDialog(card, (text) => {
      expect(text).toMatch(/This commits \$[\d,]+\.\d{2} per month/);
    });
    await gone(dialog);

    await poll(() => readText(card), 'the card to say it was bought').toMatch(/Bought\./);
    const text = await readText(card);
    expect(text).toMatch(/Approved by @?Bob/);
    seen.transactionId = /AWS transaction ([A-Za-z0-9-]+)/.exec(text)?.[1] ?? '';
    expect(seen.transactionId, text).not.toBe('');
    expect(await card.locator(`button[data-action-id="${APPROVE_ACTION}"]`).count()).toBe(0);

    const threadLink = card.getByTestId('thread-link');
    await poll(() => threadLink.textContent(), 'the thread link').toMatch(/^\d+ repl(y|ies)$/);
    await threadLink.click();
    const thread = page.getByTestId('thread');
    await shown(thread);
    const outcome = thread.getByTestId('message').filter({ hasText: 'succeeded' });
    await shown(outcome.last());
    const reply = await readText(outcome.last());
    expect(reply).toContain(seen.requestId);
    expect(reply).toContain(seen.transactionId);
    expect(reply).toMatch(/Approved by @?Bob/);
    await done('approve');
    await done('thread');
  });

  step('the AWS panel shows the one PurchaseOffering, with what was asked for', async () => {
    const purchases = awsCalls('PurchaseOffering');
    await poll(() => purchases.count(), 'PurchaseOffering calls').toBe(1);
    await purchases.first().getByRole('button').click();
    const details = purchases.first().locator('pre');
    await shown(details.first());
    const json = (await details.allTextContents()).join('\n');
    expect(json).toContain(seen.offeringId);
    expect(json).toMatch(new RegExp(`"quantity"\\s*:\\s*${QUANTITY}\\b`));
    // The one picture of the sandbox in the README: card, thread, AWS call, checklist half done.
    await requestCard('Buy Device Farm slots', seen.requestId).evaluate((el) =>
      el.scrollIntoView({ block: 'end' }),
    );
    await screenshot(page, README_SCREENSHOT);
  });

  step('advancing the period brings the renewal notice; Keep, then Carol approves', async () => {
    const clock = page.getByTestId('aws-clock');
    const before = (await clock.textContent()) ?? '';
    const earlier = new Set(await messageTimestamps());
    await page.getByTestId('aws-advance-period').click();
    await poll(() => clock.textContent(), 'the sandbox clock to move').not.toBe(before);
    // Just after the next period starts: the first day of the following month.
    const [year, month] = isoDate(before);
    const after = isoDate((await clock.textContent()) ?? '');
    expect(after).toEqual(month === 12 ? [year + 1, 1, 1] : [year, month + 1, 1]);

    const renewal = channelMessages()
      .filter({ hasText: HELD_OFFERING })
      .filter({ has: page.locator(`button[data-action-id="${NOTICE_KEEP_ACTION}"]`) });
    const fresh = async () => {
      const all = await renewal.evaluateAll((els) => els.map((e) => e.getAttribute('data-ts')));
      return all.filter((ts) => ts !== null && !earlier.has(ts));
    };
    await poll(fresh, 'a new renewal notice').not.toEqual([]);
    const [noticeTs] = await fresh();
    const notice = page.locator(`[data-testid="message"][data-ts="${noticeTs}"]`);
    expect(await readText(notice)).toMatch(/Device Farm renewal in \d+ days?/);
    expect(await notice.getByRole('button', { name: 'Keep what is held' }).count()).toBe(1);
    await done('renewal-notice');

    // Someone in the AWS console lowers next period's slots, so Keep asks for a real change.
    await setNextPeriod(HELD_OFFERING, 1);

    await actAs(ALICE);
    const beforeKeep = new Set(await messageTimestamps());
    await notice.getByRole('button', { name: 'Keep what is held' }).click();
    const renewCards = channelMessages()
      .filter({ hasText: 'Renew Device Farm slots ·' })
      .filter({ has: page.locator(`button[data-action-id="${APPROVE_ACTION}"]`) });
    const newCard = async () => {
      const all = await renewCards.evaluateAll((els) => els.map((e) => e.getAttribute('data-ts')));
      return all.filter((ts) => ts !== null && !beforeKeep.has(ts));
    };
    await poll(newCard, 'the renew request card').not.toEqual([]);
    const [cardTs] = await newCard();
    const card = page.locator(`[data-testid="message"][data-ts="${cardTs}"]`);
    const asked = await readText(card);
    seen.renewalRequestId = /Renew Device Farm slots · ([0-9A-Z]{8})/.exec(asked)?.[1] ?? '';
    expect(seen.renewalRequestId, asked).not.toBe('');
    expect(asked).toContain(HELD_OFFERING);
    // What AWS held at the click, the lowered renewal, and Keep asking for what is held again.
    const held = /holds (\d+) now · 1 set to renew next period → this request sets (\d+) from/.exec(
      asked,
    );
    expect(held, asked).not.toBeNull();
    expect(held?.[2]).toBe(held?.[1]);

    await actAs(CAROL);
    await approveThroughDialog(card, (text) => {
      expect(text).toMatch(/This commits \$[\d,]+\.\d{2} per month from the next period/);
    });
    await poll(() => readText(card), 'the renewal card to succeed').toMatch(/Renewal set\./);
    expect(await readText(card)).toMatch(/Approved by @?Carol/);
    await done('renewal-answer');
    const renewals = awsCalls('RenewOffering');
    await poll(() => renewals.count(), 'RenewOffering calls').toBe(1);
    await renewals.first().getByRole('button').click();
    await shown(renewals.first().locator('pre').first());
    const renewJson = (await renewals.first().locator('pre').allTextContents()).join('\n');
    expect(renewJson).toMatch(new RegExp(`"quantity"\\s*:\\s*${held?.[1]}\\b`));
    expect(await awsCalls('PurchaseOffering').count()).toBe(1);
  });

  step('the Home tab shows Bob the status', async () => {
    await actAs(BOB);
    await page.getByTestId('tab-home').click();
    const home = page.getByTestId('home');
    await shown(home);
    await poll(() => readText(home), 'the Home tab').toContain(HELD_OFFERING);
    expect(await readText(home)).toContain('Reserved capacity');
    await page.getByTestId('tab-channel').click();
    await shown(page.getByTestId('channel'));
  });

  // Not a step: it runs even when one failed, and says what the page logged up to there.
  it('logs no console error, page error or failed request', () => {
    expect(page, 'the page was never opened').toBeDefined();
    expectNoConsoleErrors(problems);
  });
});

// ---------------------------------------------------------------------------------------------
// What a person looks at and does

function channelComposer(): Locator {
  return page.getByTestId('composer').and(page.getByPlaceholder('Message #slots'));
}

function channelMessages(): Locator {
  return page.getByTestId('channel').getByTestId('message');
}

function ephemerals(): Locator {
  return page.getByTestId('channel').locator('[data-testid="message"][data-ephemeral="true"]');
}

/** The request card, by its header (`Buy Device Farm slots · 7K3M9Q2X`). */
function requestCard(title: string, id: string): Locator {
  return page
    .getByTestId('channel')
    .locator('[data-testid="message"]:not([data-ephemeral="true"])')
    .filter({ hasText: `${title} · ${id}` });
}

function awsCalls(operation: string): Locator {
  return page
    .getByTestId('aws-panel')
    .locator(`[data-testid="aws-call"][data-operation="${operation}"]`);
}

async function messageTimestamps(): Promise<string[]> {
  const all = await channelMessages().evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-ts')),
  );
  return all.filter((ts): ts is string => ts !== null);
}

async function actAs(person: string): Promise<void> {
  await page.getByTestId('person-switcher').selectOption(person);
  expect(await page.getByTestId('person-switcher').inputValue()).toBe(person);
}

/** Approve, read the dialog, confirm. Returns the dialog (gone once confirmed). */
async function approveThroughDialog(
  card: Locator,
  check?: (dialogText: string) => void,
): Promise<Locator> {
  await card.getByRole('button', { name: 'Approve', exact: true }).click();
  const dialog = page.getByTestId('confirm');
  await shown(dialog);
  expect(await dialog.getAttribute('role')).toBe('dialog');
  const text = await readText(dialog);
  expect(text).toMatch(/Approve request [0-9A-Z]{8}\?/);
  check?.(text);
  expect(await dialog.getByTestId('confirm-no').textContent()).toBe('Not yet');
  await dialog.getByTestId('confirm-yes').click();
  return dialog;
}

/** In the AWS panel, as someone in the AWS console: next period's slots of one offering. */
async function setNextPeriod(description: string, quantity: number): Promise<void> {
  const button = page.getByTestId('aws-set-next-period');
  // The row the button sits in: the innermost element holding it and its two fields.
  const row = page
    .getByTestId('aws-panel')
    .locator('div')
    .filter({ has: button })
    .filter({ has: page.getByRole('combobox') })
    .last();
  const offering = row.getByRole('combobox');
  const value = await offering
    .locator('option', { hasText: description })
    .first()
    .getAttribute('value');
  expect(value, `an option for ${description} in the AWS panel`).toBeTruthy();
  await offering.selectOption(value ?? '');
  await row.getByRole('spinbutton').fill(String(quantity));
  await button.click();
  const result = page.getByTestId('aws-result');
  await poll(() => result.textContent(), 'the AWS action to answer').not.toBe('');
  expect(await result.getAttribute('class')).not.toContain('aws-result-error');
  // The panel lists each offering with "2 now, 1 next".
  await poll(
    () => offering.locator('option:checked').textContent(),
    'the offering to renew less',
  ).toMatch(new RegExp(`\\b${quantity} next\\b`));
}

async function done(id: ChecklistId): Promise<void> {
  await poll(
    () => page.getByTestId(`check-${id}`).getAttribute('data-done'),
    `checklist item ${id}`,
  ).toBe('true');
}

async function shown(locator: Locator): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout: SHOWN_WITHIN_MS });
}

async function gone(locator: Locator): Promise<void> {
  await locator.waitFor({ state: 'hidden', timeout: SHOWN_WITHIN_MS });
}

function poll<T>(fn: () => Promise<T>, what: string) {
  return expect.poll(fn, { timeout: SHOWN_WITHIN_MS, interval: 100, message: what });
}

/** `[year, month, day]` of the first `YYYY-MM-DD` in `text`. */
function isoDate(text: string): [number, number, number] {
  const found = /(\d{4})-(\d{2})-(\d{2})/.exec(text);
  expect(found, `a date in "${text}"`).not.toBeNull();
  return [Number(found?.[1]), Number(found?.[2]), Number(found?.[3])];
}

/** What a person reads: the rendered text, without what is hidden. */
function readText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node; rendered text is the point.
  return locator.innerText();
}
