// The stock open-webui 0.12.4 web UI, end to end in headless chromium (issue 14).
//
// Run by `tools/browser run --backend ours|reference`, which starts the backend, its PostgreSQL and
// the fake LLM upstream and sets:
//   OWUI_BROWSER_BASE_URL      the backend (http://127.0.0.1:PORT)
//   OWUI_BROWSER_OUT           output folder: NN-step.png per step, requests.tsv, console.txt, result.json
//   OWUI_BROWSER_NODE_MODULES  where `tools/browser ensure` put playwright-core
//   OWUI_BROWSER_CHROMIUM      Debian's /usr/bin/chromium
//   OWUI_BROWSER_BACKEND       ours | reference (recorded only)
//
// Steps: open /, create the admin account through the onboarding screen, find the fake model in the
// selector, send a message and see the answer stream in, reload and find the chat in the sidebar with its
// generated title, open every Settings tab, the Admin panel's Users tabs and every admin Settings tab (turning
// new sign-ups on there, which the first sign-up turned off), sign out, sign a second user up and see the
// pending screen, sign out. Fails on a failed step, any console error or page error, any error toast, and
// any request answered 404, 405 or 5xx.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(path.join(process.env.OWUI_BROWSER_NODE_MODULES ?? '.', 'x.js'));
const { chromium } = require('playwright-core');

const BASE = (process.env.OWUI_BROWSER_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const OUT = process.env.OWUI_BROWSER_OUT ?? 'target/browser/out';
const BACKEND = process.env.OWUI_BROWSER_BACKEND ?? 'unknown';
const STEP_TIMEOUT = 60_000;

const ADMIN = { name: 'Browser Admin', email: 'admin@example.com', password: 'browser-admin-pass-1' };
const PENDING = { name: 'Pending Person', email: 'pending@example.com', password: 'browser-user-pass-1' };
const MESSAGE = 'Please answer the browser test';
const REPLY = `Fake reply to: ${MESSAGE}`;
const TITLE = 'Browser Test Title';

fs.mkdirSync(OUT, { recursive: true });

// ---- what the page did -------------------------------------------------------------------------

let currentStep = 'start';
const requests = []; // { step, method, path, template, status }
const consoleErrors = []; // { step, text }
const toastErrors = []; // { step, text }
const wsFrames = { deltas: 0, completions: 0 }; // socket.io `events` frames seen during the chat step
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The path with ids replaced and query values dropped: /api/v1/chats/{id}, /api/v1/chats/?page= */
function template(u) {
    const url = new URL(u);
    let p = url.pathname.replace(UUID, '{id}');
    if (p.startsWith('/_app/')) p = '/_app/…';
    else if (p.startsWith('/static/')) p = '/static/…';
    else if (/^\/(assets|pyodide|wasm|audio|sql\.js)\//.test(p)) p = p.split('/').slice(0, 2).join('/') + '/…';
    else if (p.startsWith('/c/')) p = '/c/{id}';
    const keys = [...url.searchParams.keys()];
    return keys.length ? `${p}?${keys.map((k) => `${k}=`).join('&')}` : p;
}

const API = /^\/(api|openai|ollama|oauth)\//;

/** Why a request counts as failed: 404, 405, 5xx, no answer, or the SPA's index.html answering an API call
 *  (what a backend's catch-all gives a route it does not serve; the UI then fails parsing it as JSON). */
function badReason(r) {
    if (typeof r.status !== 'number') return String(r.status);
    if (r.status === 404 || r.status === 405 || r.status >= 500) return `status ${r.status}`;
    if (r.method !== 'WS' && API.test(r.path) && r.type === 'text/html') return 'SPA index.html for an API path';
    return null;
}

// ---- steps -------------------------------------------------------------------------------------

const results = []; // { step, ok, ms, error, screenshot }
let stepNo = 0;

async function step(page, name, fn) {
    currentStep = name;
    stepNo += 1;
    const shot = `${String(stepNo).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`;
    const t0 = Date.now();
    let error = null;
    try {
        await fn();
        await settle(page);
        const toasts = await collectToasts(page);
        if (toasts.length) error = `error toast: ${toasts.join(' | ')}`;
    } catch (e) {
        error = String(e?.message ?? e).split('\n').slice(0, 6).join('\n');
    }
    try {
        await page.screenshot({ path: path.join(OUT, shot), fullPage: false });
    } catch {}
    const r = { step: name, ok: !error, ms: Date.now() - t0, error, screenshot: shot };
    results.push(r);
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${name} (${r.ms} ms)${error ? `\n     ${error.replace(/\n/g, '\n     ')}` : ''}`);
    return r.ok;
}

/** Waits until the page has had no request of ours in flight for `quiet` ms (at most 8 s). Playwright's
 *  `networkidle` wants 500 ms with no connection at all, which a page with a socket.io connection and
 *  periodic reads seldom gives. */
async function settle(page, quiet = 500) {
    const t0 = Date.now();
    while (Date.now() - t0 < 8_000) {
        if (inflight.size === 0 && Date.now() - lastActivity >= quiet) return;
        await page.waitForTimeout(100);
    }
    const busy = [...inflight].map((r) => `${r.method()} ${new URL(r.url()).pathname}`);
    console.log(`     (${currentStep}: still in flight after 8 s: ${busy.join(', ') || 'none, but not quiet'})`);
}

/** Error toasts (svelte-sonner) seen since the last call; a MutationObserver catches short-lived ones. */
async function collectToasts(page) {
    const t = await page.evaluate(() => {
        const seen = window.__owuiErrorToasts ?? [];
        window.__owuiErrorToasts = [];
        return seen;
    });
    for (const text of t) toastErrors.push({ step: currentStep, text });
    return t;
}

const TOAST_WATCH = () => {
    window.__owuiErrorToasts = [];
    const seen = new WeakSet();
    const scan = () => {
        for (const el of document.querySelectorAll('[data-sonner-toast][data-type="error"]')) {
            if (seen.has(el)) continue;
            seen.add(el);
            window.__owuiErrorToasts.push((el.textContent ?? '').trim().slice(0, 300));
        }
    };
    new MutationObserver(scan).observe(document, { childList: true, subtree: true, attributes: true });
};

async function dismissChangelog(page) {
    const ok = page.getByRole('button', { name: "Okay, Let's Go!" });
    if (await ok.isVisible().catch(() => false)) {
        await ok.click();
        await page.waitForTimeout(300);
    }
}

/** Opens the sidebar (closed by default) and waits for a chat item with `text` on screen. */
async function sidebarShows(page, text) {
    const open = page.getByRole('button', { name: 'Open Sidebar' }).first();
    if (await open.isVisible().catch(() => false)) await open.click();
    const item = page.locator('#sidebar-chat-item', { hasText: text }).first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    // Playwright counts an element outside the viewport (a closed sidebar's) as visible.
    await page.waitForFunction(
        (el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 && r.bottom <= window.innerHeight;
        },
        await item.elementHandle(),
        { timeout: 10_000 }
    );
}

async function openUserMenu(page) {
    // The closed sidebar's rail has "User menu"; the open sidebar a button around the user's picture.
    const b = page
        .getByRole('button', { name: 'User menu' })
        .or(page.getByRole('button', { name: /Open User Profile Menu/ }))
        .filter({ visible: true })
        .first();
    await b.waitFor({ state: 'visible', timeout: 15_000 });
    await b.click();
}

/** Clicks every tab of the open settings modal whose aria-controls matches `which`. */
async function visitTabs(page, which, onTab) {
    const tabs = page.locator('#settings-tabs-container [role="tab"]');
    await tabs.first().waitFor({ state: 'visible', timeout: 15_000 });
    const ids = (await tabs.evaluateAll((els) => els.map((e) => e.getAttribute('aria-controls')))).filter((id) =>
        which(id ?? '')
    );
    if (!ids.length) throw new Error('no settings tabs found');
    const problems = [];
    const stepName = currentStep;
    for (const id of ids) {
        currentStep = `${stepName}: ${id.replace(/^tab-/, '')}`;
        const tab = page.locator(`#settings-tabs-container [role="tab"][aria-controls="${id}"]`);
        await tab.scrollIntoViewIfNeeded();
        await tab.click();
        await settle(page, 300);
        const name = id.replace(/^tab-/, '').replace(/[^a-z0-9]+/gi, '-');
        await page.screenshot({ path: path.join(OUT, `${String(stepNo).padStart(2, '0')}-tab-${name}.png`) });
        try {
            if (onTab) await onTab(id);
        } catch (e) {
            problems.push(`${id}: ${String(e?.message ?? e).split('\n')[0]}`);
        }
        const toasts = await collectToasts(page);
        if (toasts.length) problems.push(`error toast on ${id}: ${toasts.join(' | ')}`);
    }
    currentStep = stepName;
    // Every tab is visited even when one fails, so that one run lists every failing tab.
    if (problems.length) throw new Error(problems.join('\n'));
    return ids;
}

// ---- the run -----------------------------------------------------------------------------------

const browser = await chromium.launch({
    executablePath: process.env.OWUI_BROWSER_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    slowMo: Number(process.env.OWUI_BROWSER_SLOWMO || 0),
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
context.setDefaultTimeout(STEP_TIMEOUT);
await context.addInitScript(TOAST_WATCH);
const page = await context.newPage();

const origin = new URL(BASE).origin;
const inflight = new Set();
let lastActivity = Date.now();
const done = (req) => {
    inflight.delete(req);
    lastActivity = Date.now();
};
page.on('request', (req) => {
    if (!req.url().startsWith(origin)) return;
    inflight.add(req);
    lastActivity = Date.now();
});
// A response counts as the end of a request: the UI leaves some bodies unread (the timezone update), and
// Playwright reports those requests finished only when the body has been read.
page.on('requestfinished', done);
page.on('response', (res) => {
    const req = res.request();
    done(req);
    if (!req.url().startsWith(origin)) return;
    const u = new URL(req.url());
    const type = (res.headers()['content-type'] ?? '').split(';')[0];
    requests.push({ step: currentStep, method: req.method(), path: u.pathname + u.search, template: template(req.url()), status: res.status(), type });
});
page.on('requestfailed', (req) => {
    done(req);
    if (!req.url().startsWith(origin)) return;
    const failure = req.failure()?.errorText ?? 'failed';
    // A navigation or reload cancels requests in flight: not an answer from the backend.
    if (failure === 'net::ERR_ABORTED') return;
    requests.push({ step: currentStep, method: req.method(), path: new URL(req.url()).pathname, template: template(req.url()), status: failure });
});
page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push({ step: currentStep, text: msg.text().slice(0, 500) });
});
page.on('pageerror', (err) => consoleErrors.push({ step: currentStep, text: `pageerror: ${String(err?.message ?? err).slice(0, 500)}` }));
page.on('websocket', (ws) => {
    requests.push({ step: currentStep, method: 'WS', path: new URL(ws.url()).pathname, template: new URL(ws.url()).pathname, status: 101 });
    ws.on('framereceived', ({ payload }) => {
        const s = typeof payload === 'string' ? payload : payload.toString();
        if (!s.startsWith('42')) return;
        if (s.includes('response.output_text.delta') || s.includes('chat:message:delta')) wsFrames.deltas += 1;
        if (s.includes('"chat:completion"')) wsFrames.completions += 1;
    });
});

const tStart = Date.now();

await step(page, 'open root', async () => {
    await page.goto(BASE + '/', { waitUntil: 'domcontentloaded' });
    await page.waitForURL(/\/auth/, { timeout: 30_000 });
    await page.getByRole('button', { name: 'Get started' }).waitFor({ state: 'visible' });
});

await step(page, 'onboarding admin', async () => {
    await page.getByRole('button', { name: 'Get started' }).click();
    await page.locator('#name').fill(ADMIN.name);
    await page.locator('#email').fill(ADMIN.email);
    await page.locator('#password').fill(ADMIN.password);
    if (await page.locator('#confirm-password').isVisible().catch(() => false)) {
        await page.locator('#confirm-password').fill(ADMIN.password);
    }
    await page.getByRole('button', { name: 'Create Admin Account' }).click();
    await page.locator('#chat-input').waitFor({ state: 'visible', timeout: 30_000 });
    await settle(page);
    await dismissChangelog(page);
});

await step(page, 'model selector', async () => {
    await dismissChangelog(page);
    const button = page.locator('button[id^="model-selector-"][id$="-button"]').first();
    await button.click();
    const option = page.locator('#model-selector-list [data-value="fake-gpt"]');
    await option.waitFor({ state: 'visible', timeout: 20_000 });
    await option.click();
    await page.waitForFunction(
        () => [...document.querySelectorAll('button[id^="model-selector-"]')].some((b) => b.textContent.includes('fake-gpt')),
        null,
        { timeout: 10_000 }
    );
});

await step(page, 'send message', async () => {
    const input = page.locator('#chat-input');
    await input.click();
    await page.keyboard.type(MESSAGE);
    await page.locator('#send-message-button').click();
    await page.waitForURL(/\/c\//, { timeout: 20_000 });
    await page.getByText(REPLY, { exact: false }).first().waitFor({ state: 'visible', timeout: 30_000 });
    if (wsFrames.deltas < 2) throw new Error(`the answer did not stream (${wsFrames.deltas} delta events)`);
    // The title the fake upstream generates reaches the sidebar.
    await sidebarShows(page, TITLE);
});

await step(page, 'reload finds chat', async () => {
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('#chat-input').waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByText(REPLY, { exact: false }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await sidebarShows(page, TITLE);
});

await step(page, 'settings tabs', async () => {
    await openUserMenu(page);
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    await visitTabs(page, (id) => !id.startsWith('tab-admin-'));
    await page.keyboard.press('Escape');
});

await step(page, 'admin users', async () => {
    await page.goto(BASE + '/admin/users/overview', { waitUntil: 'domcontentloaded' });
    await page.getByText(ADMIN.email).first().waitFor({ state: 'visible', timeout: 20_000 });
    await settle(page);
    await page.screenshot({ path: path.join(OUT, `${String(stepNo).padStart(2, '0')}-users-overview.png`) });
    await collectToasts(page).then((t) => { if (t.length) throw new Error(`error toast: ${t.join(' | ')}`); });
    await page.locator('a[href="/admin/users/groups"]').first().click();
    await page.waitForURL(/\/admin\/users\/groups/);
});

await step(page, 'admin settings tabs', async () => {
    await page.goto(BASE + '/admin/settings', { waitUntil: 'domcontentloaded' });
    await page.waitForURL(/settings=admin/, { timeout: 20_000 });
    await visitTabs(page, (id) => id.startsWith('tab-admin-'), async (id) => {
        if (id !== 'tab-admin-authentication') return;
        // The first sign-up turned sign-ups off (as upstream); the second user needs them on.
        const sw = page.getByRole('switch', { name: /New Sign ?Ups/i });
        await sw.waitFor({ state: 'visible', timeout: 15_000 });
        if ((await sw.getAttribute('aria-checked')) !== 'true') await sw.click();
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        await page.locator('[data-sonner-toast][data-type="success"]').first().waitFor({ state: 'visible', timeout: 15_000 });
    });
    await page.keyboard.press('Escape');
});

await step(page, 'sign out admin', async () => {
    await page.goto(BASE + '/', { waitUntil: 'domcontentloaded' });
    await page.locator('#chat-input').waitFor({ state: 'visible', timeout: 30_000 });
    await openUserMenu(page);
    await page.getByRole('menuitem', { name: 'Sign Out' }).click();
    await page.waitForURL(/\/auth/, { timeout: 20_000 });
});

await step(page, 'second user pending', async () => {
    await page.locator('#email').waitFor({ state: 'visible', timeout: 20_000 });
    await page.getByRole('button', { name: 'Sign up', exact: true }).click();
    await page.locator('#name').fill(PENDING.name);
    await page.locator('#email').fill(PENDING.email);
    await page.locator('#password').fill(PENDING.password);
    if (await page.locator('#confirm-password').isVisible().catch(() => false)) {
        await page.locator('#confirm-password').fill(PENDING.password);
    }
    await page.getByRole('button', { name: 'Create Account' }).click();
    await page.getByText('Account Activation Pending').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByRole('button', { name: 'Check Again' }).waitFor({ state: 'visible' });
});

await step(page, 'sign out pending', async () => {
    await page.getByRole('button', { name: 'Sign Out' }).click();
    await page.waitForURL(/\/auth/, { timeout: 20_000 });
    await page.locator('#email').waitFor({ state: 'visible', timeout: 20_000 });
});

currentStep = 'end';
await browser.close();

// ---- verdict and output ------------------------------------------------------------------------

const badRequests = requests.filter((r) => badReason(r)).map((r) => ({ ...r, reason: badReason(r) }));
const failed = results.filter((r) => !r.ok);
const ok = !failed.length && !badRequests.length && !consoleErrors.length && !toastErrors.length;

fs.writeFileSync(
    path.join(OUT, 'requests.tsv'),
    'step\tmethod\ttemplate\tstatus\ttype\tpath\n' +
        requests.map((r) => `${r.step}\t${r.method}\t${r.template}\t${r.status}\t${r.type ?? ''}\t${r.path}`).join('\n') +
        '\n'
);
fs.writeFileSync(path.join(OUT, 'console.txt'), consoleErrors.map((c) => `[${c.step}] ${c.text}`).join('\n') + '\n');
const summary = {
    backend: BACKEND,
    base_url: BASE,
    ok,
    seconds: Math.round((Date.now() - tStart) / 100) / 10,
    steps: results,
    bad_requests: badRequests,
    console_errors: consoleErrors,
    error_toasts: toastErrors,
    streamed_delta_events: wsFrames.deltas,
};
fs.writeFileSync(path.join(OUT, 'result.json'), JSON.stringify(summary, null, 2) + '\n');

for (const r of badRequests) console.log(`BAD REQUEST [${r.step}] ${r.method} ${r.path} -> ${r.status} (${r.reason})`);
for (const c of consoleErrors) console.log(`CONSOLE ERROR [${c.step}] ${c.text}`);
for (const t of toastErrors) console.log(`ERROR TOAST [${t.step}] ${t.text}`);
console.log(
    `${results.length - failed.length} passed, ${failed.length} failed` +
        ` (${badRequests.length} bad requests, ${consoleErrors.length} console errors, ${toastErrors.length} error toasts;` +
        ` ${summary.seconds} s; ${OUT})`
);
process.exit(ok ? 0 : 1);
