// End-to-end test of the Tresor console in a real headless Chromium.
// Usage: TRESOR_URL=http://127.0.0.1:PORT CHROMIUM=/usr/bin/chromium \
//        ARTIFACTS=dir node console.mjs
// Exits non-zero on the first failed expectation; saves a screenshot of each
// main page (and of the failure) in ARTIFACTS.

import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.TRESOR_URL;
const artifacts = process.env.ARTIFACTS || "artifacts";
mkdirSync(artifacts, { recursive: true });
const PW = "violet-harbor-engine-93";
const READER_PW = "quiet-meadow-lantern-58";

function check(cond, what) {
  if (!cond) throw new Error(`expectation failed: ${what}`);
}

function base32(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "")) {
    const v = alphabet.indexOf(c);
    check(v >= 0, `base32 character ${c}`);
    bits += v.toString(2).padStart(5, "0");
  }
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}

// RFC 6238: HMAC-SHA1, 30 s steps, 6 digits.
function totp(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac("sha1", base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, "0");
}
const stepNow = () => Math.floor(Date.now() / 1000 / 30);
async function nextStep(after) {
  while (stepNow() <= after) await new Promise((r) => setTimeout(r, 500));
  return stepNow();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
const page = await context.newPage();
const cspViolations = [];
page.on("console", (m) => {
  if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
});
const shot = (name) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });
const text = () => page.locator("main").innerText();

async function login(name, password) {
  await page.goto(`${base}/ui/login`);
  await page.fill("#name", name);
  await page.fill("#password", password);
  await page.click("main button[type=submit]");
}
async function logout() {
  await page.click("text=Sign out");
  await page.waitForURL(/\/ui\/login$/);
}

try {
  // First start: / leads to the set-up page, which creates the admin.
  await page.goto(`${base}/`);
  await page.waitForURL(/\/ui\/setup$/);
  await shot("01-setup");
  await page.fill("#name", "admin");
  await page.fill("#password", PW);
  await page.fill("#password2", PW);
  await page.click("main button[type=submit]");
  await page.waitForURL(/\/ui\/$/);
  check((await text()).includes("Dashboard"), "dashboard after set-up");
  const headers = (await page.request.get(`${base}/ui/`)).headers();
  check(headers["content-security-policy"]?.includes("default-src 'none'"), "strict CSP header");
  // The set-up page is gone.
  await page.goto(`${base}/ui/setup`);
  check(!page.url().endsWith("/ui/setup"), "set-up page gone after the first admin");

  // Sign out and in again.
  await page.goto(`${base}/ui/`);
  await logout();
  await shot("02-login");
  await login("admin", "wrong-password-123");
  check((await text()).includes("Wrong user name or password"), "wrong password refused");
  await login("admin", PW);
  await page.waitForURL(/\/ui\/$/);

  // TOTP enrolment: the test reads the secret and computes the code.
  await page.goto(`${base}/ui/account`);
  await page.click("[data-testid=enrol-totp]");
  const secret = (await page.locator("[data-testid=totp-secret]").innerText()).trim();
  check(/^[A-Z2-7]{16,}$/.test(secret), `a base32 secret (${secret})`);
  check((await page.locator(".qr svg").count()) === 1, "QR code rendered server-side");
  await shot("03-totp-enrolment");
  const enrolStep = stepNow();
  await page.fill("#code", totp(secret, enrolStep));
  await page.click("main button[type=submit]");
  check((await page.locator("[data-testid=recovery-codes] li").count()) === 10, "10 recovery codes");
  await logout();

  // Signing in now asks for the code (a fresh one: codes are single use).
  await login("admin", PW);
  await page.waitForURL(/\/ui\/mfa$/);
  await shot("04-mfa");
  const step = await nextStep(enrolStep);
  await page.fill("#code", totp(secret, step));
  await page.click("main button[type=submit]");
  await page.waitForURL(/\/ui\/$/);

  // Create a key with the guided form; it shows in the list.
  await page.goto(`${base}/ui/keys`);
  await page.click("[data-testid=create-key]");
  await page.selectOption("#algorithm", "aes-256-gcm");
  await page.click("main button[type=submit]");
  check((await page.locator("input[name=op]").count()) === 4, "only AES operations offered");
  check((await page.locator("input[name=op][value=sign]").count()) === 0, "no sign for AES");
  await page.fill("#alias", "payments-db");
  await shot("05-key-create");
  await page.click("main button[type=submit]");
  await page.waitForURL(/\/ui\/keys\/[0-9a-f-]+\?done=created$/);
  check((await page.locator("[data-testid=primary-version]").innerText()).trim() === "1", "version 1");
  const keyId = (await page.locator("[data-testid=key-id]").innerText()).trim();
  await page.goto(`${base}/ui/keys`);
  check((await page.locator("[data-testid=key-table]").innerText()).includes("payments-db"), "key listed");
  await shot("06-keys");

  // Rotate it.
  await page.click("text=payments-db");
  await page.click("[data-testid=rotate]");
  await page.waitForURL(/done=Rotated/);
  check((await page.locator("[data-testid=primary-version]").innerText()).trim() === "2", "rotated to version 2");
  await shot("07-key-detail");

  // The audit log shows it, and the chain verifies.
  await page.goto(`${base}/ui/audit?action=key.rotate`);
  check((await page.locator("[data-testid=audit-table]").innerText()).includes("key.rotate"), "rotation audited");
  await page.click("[data-testid=verify-chain]");
  check((await text()).includes("The chain verifies"), "chain verifies");
  await shot("08-audit");

  // A readonly user.
  await page.goto(`${base}/ui/users`);
  await page.fill("#name", "reader");
  await page.fill("#password", READER_PW);
  await page.selectOption("#role", "readonly");
  await page.click("[data-testid=create-user]");
  check((await page.locator("[data-testid=user-table]").innerText()).includes("reader"), "reader listed");
  await shot("09-users");

  // A second tenant: its keys are its own.
  await page.goto(`${base}/ui/tenants`);
  await page.fill("#id", "payments");
  await page.fill("#display_name", "Payments");
  await page.click("text=Create tenant");
  check((await text()).includes("Tenant payments created"), "tenant created");
  await shot("10-tenants");
  await page.selectOption("#tenant-switch", "payments");
  await page.click("[data-testid=switch-tenant]");
  check((await page.locator("[data-testid=current-tenant]").innerText()) === "payments", "switched");
  await page.goto(`${base}/ui/keys`);
  check(!(await text()).includes("payments-db"), "default tenant's key not shown in payments");
  await page.selectOption("#tenant-switch", "default");
  await page.click("[data-testid=switch-tenant]");
  await page.goto(`${base}/ui/keys`);
  check((await text()).includes("payments-db"), "back in default");
  // Dual control: over REST with the session cookie (and its CSRF header),
  // rotating payments-db now needs the reader's approval.
  const adminCsrf = await page.locator("input[name=csrf]").first().inputValue();
  const policy = {
    manage: { any_of: [{ all_of: [{ required: 1, approvers: ["user:reader"] }] }] },
  };
  const noHeader = await page.request.put(`${base}/v1/keys/${keyId}/policy`, { data: policy });
  check(noHeader.status() === 403, `cookie call without CSRF header refused (got ${noHeader.status()})`);
  const put = await page.request.put(`${base}/v1/keys/${keyId}/policy`, {
    data: policy,
    headers: { "x-csrf-token": adminCsrf },
  });
  check(put.status() === 200, `policy set (got ${put.status()}: ${await put.text()})`);
  await page.goto(`${base}/ui/keys/${keyId}`);
  check((await page.locator("[data-testid=key-policy]").innerText()).includes("1 of user:reader"), "the key's policy shown");
  await page.click("[data-testid=rotate]");
  check((await text()).includes("Approval required"), "rotation parked for approval");
  await page.goto(`${base}/ui/self-test`);
  await page.click("[data-testid=run-self-test]");
  check((await text()).includes("self-tests passed"), "self-tests pass from the console");
  for (const [path, heading] of [["certificates", "Certificate authorities"], ["secrets", "Secrets"], ["settings", "Single sign-on"], ["alerts", "Alerts"], ["discovery", "Scan now"]]) {
    await page.goto(`${base}/ui/${path}`);
    check((await text()).includes(heading), `${path} page`);
  }
  await page.goto(`${base}/ui/`);
  check(/\d/.test(await page.locator("[data-testid=ops-rate]").innerText()), "operation rate shown");
  await shot("12-dashboard");
  await logout();

  // The readonly user sees no create button, and a forged post is refused.
  await login("reader", READER_PW);
  await page.waitForURL(/\/ui\/$/);
  await page.goto(`${base}/ui/keys`);
  check((await page.locator("[data-testid=create-key]").count()) === 0, "no create button for readonly");
  check((await page.locator("[data-testid=rotate]").count()) === 0, "no rotate button either");
  const csrf = await page.locator("input[name=csrf]").first().inputValue();
  const forged = await page.request.post(`${base}/ui/keys/new`, {
    form: { csrf, algorithm: "aes-256-gcm", op: "encrypt" },
    maxRedirects: 0,
  });
  check(forged.status() === 403, `forged create refused with 403 (got ${forged.status()})`);
  const noCsrf = await page.request.post(`${base}/ui/keys/new`, {
    form: { algorithm: "aes-256-gcm", op: "encrypt" },
    maxRedirects: 0,
  });
  check(noCsrf.status() === 403 || noCsrf.status() === 422, `post without CSRF refused (got ${noCsrf.status()})`);
  // The reader's inbox: approving needs the password again.
  await page.goto(`${base}/ui/approvals`);
  check((await text()).includes("rotate (manage)"), "the rotation waits in the reader's inbox");
  await shot("11-approvals");
  await page.fill("input[name=password]", READER_PW);
  await page.click("button[value=approve]");
  check((await text()).includes("is now executed"), "approved and executed");
  check((await page.locator("[data-testid=no-tasks]").count()) === 1, "inbox empty afterwards");

  // A post from another site is refused before any form handling (login
  // CSRF included).
  const crossSite = await page.request.post(`${base}/ui/login`, {
    form: { name: "reader", password: READER_PW },
    headers: { origin: "https://evil.example" },
    maxRedirects: 0,
  });
  check(crossSite.status() === 403, `cross-site post refused (got ${crossSite.status()})`);
  // The session cookie is HttpOnly and SameSite=Strict.
  const cookie = (await context.cookies()).find((c) => c.name === "tresor_session");
  check(cookie && cookie.httpOnly && cookie.sameSite === "Strict", "session cookie flags");

  // A phone-sized screen still shows the navigation.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/ui/keys`);
  check(await page.locator("nav.side").isVisible(), "navigation on a phone");
  await shot("13-phone");

  check(cspViolations.length === 0, `no CSP violations: ${cspViolations.join("; ")}`);
  console.log("console e2e: all checks passed");
} catch (e) {
  await shot("failure").catch(() => {});
  console.error(e.stack || String(e));
  console.error(`at ${page.url()}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
