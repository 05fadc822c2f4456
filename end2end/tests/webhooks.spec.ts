import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { expect, signUp, test, uniqueEmail, waitForHydration } from "./helpers";

/** A local webhook receiver: answers the URL validation with `token()`,
 * `/fail` answers 500, everything else 200; records deliveries. */
async function startReceiver(token: () => string): Promise<{ url: string; events: string[]; close: () => void }> {
  const events: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.url === "/fail") {
        res.writeHead(500, { "content-type": "text/plain" }).end("receiver is broken");
        return;
      }
      const json = JSON.parse(body || "{}");
      if (json.event === "endpoint.url_validation") {
        const plainToken = json.payload.plainToken;
        const encryptedToken = createHmac("sha256", token()).update(plainToken).digest("hex");
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ plainToken, encryptedToken }));
        return;
      }
      events.push(json.event);
      res.writeHead(200).end("thanks");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, events, close: () => server.close() };
}

test("a developer subscribes an endpoint, sees meetings and deauthorizations delivered, sends a test and redelivers", async ({ page }, info) => {
  const baseURL = info.project.use.baseURL as string;
  let secretToken = "";
  const receiver = await startReceiver(() => secretToken);
  try {
    await signUp(page, info, uniqueEmail("hooks", info), "Hal Hooks");
    await expect(page.getByRole("heading", { name: "Welcome back, Hal Hooks" })).toBeVisible();
    const name = `Hooked ${info.project.name} ${Date.now()}`;
    await page.goto("/apps/new?type=marketplace.user_managed");
    await waitForHydration(page, info);
    await page.getByLabel("App name").fill(name);
    await page.getByRole("button", { name: "Create" }).click();
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    const appUrl = new URL(page.url()).pathname;

    // Credentials, redirect URL and scopes, then install it for ourselves.
    await page.goto(`${appUrl}/credentials`);
    await waitForHydration(page, info);
    await page.getByRole("button", { name: "Generate client secret (development)" }).click();
    await expect(page.getByLabel("Development client ID")).toHaveValue(/^[A-Za-z0-9_-]{22}$/);
    const clientId = await page.getByLabel("Development client ID").inputValue();
    await page.getByLabel("Development redirect URL").fill(`${baseURL}/healthz`);
    await page.getByRole("button", { name: "Save redirect settings" }).click();
    await expect(page.getByText("Redirect settings saved.")).toBeVisible();
    await page.goto(`${appUrl}/scopes`);
    await waitForHydration(page, info);
    await page.getByRole("checkbox", { name: /^meeting:read / }).check();
    await page.getByRole("button", { name: "Save scopes" }).click();
    await expect(page.getByText("Scopes saved.")).toBeVisible();
    await page.goto(`/oauth/authorize?response_type=code&client_id=${clientId}&redirect_uri=${encodeURIComponent(`${baseURL}/healthz`)}`);
    await waitForHydration(page, info);
    await page.getByRole("button", { name: "Allow" }).click();
    await expect(page).toHaveURL(/\/healthz\?code=/);

    // Features: the Secret Token, a failing endpoint, then a working one.
    await page.goto(`${appUrl}/features`);
    await waitForHydration(page, info);
    await page.getByText("Reveal Secret Token").click();
    secretToken = await page.getByLabel("Secret Token", { exact: true }).inputValue();
    expect(secretToken).toMatch(/^whsec_/);
    await page.getByLabel("Subscription name").fill("Meetings");
    await page.getByLabel("Development endpoint URL").fill(`${receiver.url}/fail`);
    await page.getByRole("checkbox", { name: /^meeting\.created / }).check();
    await page.getByRole("button", { name: "Save subscription" }).click();
    await expect(page.getByText(/failed the URL validation: The endpoint answered 500/)).toBeVisible();
    await expect(page.getByText("Received: HTTP 500")).toBeVisible();
    await expect(page.getByText("receiver is broken")).toBeVisible();
    await expect(page.getByText("No subscriptions yet.")).toBeVisible();

    await page.getByLabel("Subscription name").fill("Meetings");
    await page.getByLabel("Development endpoint URL").fill(`${receiver.url}/hook`);
    await page.getByRole("checkbox", { name: /^meeting\.created / }).check();
    await page.getByRole("button", { name: "Save subscription" }).click();
    await expect(page.getByText("Subscription saved")).toBeVisible();
    // The form is empty again, ready for the next one.
    await expect(page.getByLabel("Subscription name")).toHaveValue("");
    await expect(page.getByRole("checkbox", { name: /^meeting\.created / })).not.toBeChecked();
    // Only what this type of app receives, and uninstalls go elsewhere.
    await expect(page.getByRole("checkbox", { name: /^bot_notification / })).toHaveCount(0);
    await expect(page.getByRole("checkbox", { name: /^app_deauthorized / })).toHaveCount(0);

    // Edit it: the form holds it, and saving changes keeps one subscription.
    await page.getByRole("link", { name: "Edit subscription Meetings" }).click();
    await expect(page.getByRole("heading", { name: "Edit subscription" })).toBeVisible();
    await expect(page.getByLabel("Subscription name")).toHaveValue("Meetings");
    await expect(page.getByRole("checkbox", { name: /^meeting\.created / })).toBeChecked();
    await page.getByLabel("Subscription name").fill("Meeting sync");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByText("Subscription saved")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Add a subscription" })).toBeVisible();
    await expect(page.getByRole("link", { name: /^Edit subscription / })).toHaveCount(1);
    await expect(page.getByRole("link", { name: "Edit subscription Meeting sync" })).toBeVisible();

    // Off, then on again (the endpoint is asked again first).
    await page.getByRole("button", { name: "Turn off subscription Meeting sync" }).click();
    await expect(page.getByText("Off: nothing is sent")).toBeVisible();
    await page.getByRole("button", { name: "Turn on subscription Meeting sync" }).click();
    await expect(page.getByRole("button", { name: "Turn off subscription Meeting sync" })).toBeVisible();
    await expect(page.getByText("Off: nothing is sent")).toHaveCount(0);

    await page.getByLabel("Deauthorization endpoint URL").fill(`${receiver.url}/deauth`);
    await page.getByRole("button", { name: "Save endpoint" }).click();
    await expect(page.getByLabel("Deauthorization endpoint URL")).toHaveValue(`${receiver.url}/deauth`);

    // A meeting made on the Meetings page is delivered.
    await page.goto("/meetings");
    await waitForHydration(page, info);
    await page.getByLabel("Topic").fill("Webhook demo");
    await page.getByLabel("Start (UTC)").fill("2026-12-04T10:00");
    await page.getByLabel("Length in minutes").fill("30");
    await page.getByRole("button", { name: "Schedule" }).click();
    await expect(page.getByText("Meeting scheduled.")).toBeVisible();
    await expect.poll(() => receiver.events.filter((e) => e === "meeting.created").length).toBe(1);

    await page.goto(`${appUrl}/deliveries`);
    await waitForHydration(page, info);
    const delivered = page.getByRole("listitem").filter({ hasText: "meeting.created" });
    await expect(delivered.first()).toContainText("delivered");
    await expect(delivered.first().getByRole("cell", { name: "200", exact: true })).toBeVisible();

    // Send test event; Redeliver the meeting event (same tracking id, attempt 2).
    await page.getByRole("button", { name: "Send test event to Meeting sync" }).click();
    await expect.poll(() => receiver.events.length).toBe(2);
    await page.goto(`${appUrl}/deliveries?status=delivered`);
    await waitForHydration(page, info);
    // The test event is marked, and each attempt opens to its exchange.
    await expect(page.getByText("Test", { exact: true })).toHaveCount(1);
    await page.getByText("Request and response of attempt 1").first().click();
    await expect(page.getByText(/x-zm-signature: v0=[0-9a-f]{64}/).first()).toBeVisible();
    await expect(page.getByText(/^HTTP 200/).first()).toBeVisible();
    await page.getByRole("button", { name: /^Redeliver / }).first().click();
    await expect.poll(() => receiver.events.length).toBe(3);

    // Uninstalling sends app_deauthorized.
    await page.goto("/installed");
    await waitForHydration(page, info);
    await page.getByRole("button", { name: `Uninstall ${name}` }).click();
    await expect(page.getByText("Uninstalled: the app's access has ended.")).toBeVisible();
    await expect.poll(() => receiver.events.includes("app_deauthorized")).toBe(true);
    await expect(async () => {
      await page.goto(`${appUrl}/deliveries`);
      await expect(page.getByText("app_deauthorized").first()).toBeVisible({ timeout: 1000 });
    }).toPass();
  } finally {
    receiver.close();
  }
});
