import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { expect, hydrated, signUp, test, uniqueEmail, waitForHydration } from "./helpers";

/** The bot's own server, as a developer would write it: it answers the
 * URL validation with the Secret Token; to `/lunch` it answers with a
 * question and two buttons (through the chat message API, with a
 * client_credentials token); to a button press, it edits that message. */
async function startBot(baseURL: string, creds: () => { token: string; clientId: string; secret: string }): Promise<{ url: string; events: string[]; close: () => void }> {
  const events: string[] = [];
  const api = async (method: string, path: string, body: unknown): Promise<void> => {
    const { clientId, secret } = creds();
    const auth = Buffer.from(`${clientId}:${secret}`).toString("base64");
    const token = await fetch(`${baseURL}/oauth/token`, {
      method: "POST",
      headers: { authorization: `Basic ${auth}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    }).then((r) => r.json());
    const res = await fetch(`${baseURL}${path}`, {
      method,
      headers: { authorization: `Bearer ${token.access_token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) events.push(`api ${res.status} ${await res.text()}`);
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const json = JSON.parse(body || "{}");
      if (json.event === "endpoint.url_validation") {
        const plainToken = json.payload.plainToken;
        const encryptedToken = createHmac("sha256", creds().token).update(plainToken).digest("hex");
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ plainToken, encryptedToken }));
        return;
      }
      // Only what Portico signed is answered.
      const stamp = req.headers["x-zm-request-timestamp"];
      const expected = "v0=" + createHmac("sha256", creds().token).update(`v0:${stamp}:${body}`).digest("hex");
      if (req.headers["x-zm-signature"] !== expected) {
        events.push("bad signature");
        res.writeHead(401).end();
        return;
      }
      events.push(json.event);
      res.writeHead(200).end();
      const p = json.payload;
      if (json.event === "bot_notification") {
        void api("POST", "/v2/im/chat/messages", {
          robot_jid: p.robotJid,
          to_jid: p.toJid,
          account_id: p.accountId,
          content: {
            head: { text: `Lunch ${p.cmd}?` },
            body: [{ type: "actions", items: [{ text: "Pizza", value: "pizza", style: "Primary" }, { text: "Salad", value: "salad" }] }],
          },
        });
      } else if (json.event === "interactive_message_actions") {
        void api("PUT", `/v2/im/chat/messages/${p.messageId}`, {
          robot_jid: p.robotJid,
          account_id: p.accountId,
          content: { head: { text: `${p.userName} chose ${p.actionItem.text}` } },
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/bot`, events, close: () => server.close() };
}

test("a developer sets up a chat bot; a member types its command in a channel, gets its answer and presses its button", async ({ page }, info) => {
  const baseURL = info.project.use.baseURL as string;
  const creds = { token: "", clientId: "", secret: "" };
  const bot = await startBot(baseURL, () => creds);
  try {
    await signUp(page, info, uniqueEmail("bot", info), "Bea Bot");
    await expect(page.getByRole("heading", { name: "Welcome back, Bea Bot" })).toBeVisible();
    const name = `Lunch bot ${info.project.name} ${Date.now()}`;
    await page.goto("/apps/new?type=marketplace.chat_bot");
    await waitForHydration(page, info);
    await page.getByLabel("App name").fill(name);
    await page.getByRole("button", { name: "Create" }).click();
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    const appUrl = new URL(page.url()).pathname;

    // Credentials, a redirect URL and the bot's scope.
    await page.goto(`${appUrl}/credentials`);
    await waitForHydration(page, info);
    await page.getByRole("button", { name: "Generate client secret (development)" }).click();
    creds.secret = await page.getByLabel("New development client secret").inputValue();
    creds.clientId = await page.getByLabel("Development client ID").inputValue();
    await page.getByLabel("Development redirect URL").fill(`${baseURL}/healthz`);
    await page.getByRole("button", { name: "Save redirect settings" }).click();
    await expect(page.getByText("Redirect settings saved.")).toBeVisible();
    await page.goto(`${appUrl}/scopes`);
    await waitForHydration(page, info);
    await page.getByRole("checkbox", { name: /^imchat:bot / }).check();
    await page.getByRole("button", { name: "Save scopes" }).click();
    await expect(page.getByText("Scopes saved.")).toBeVisible();

    // Features: the command and the bot endpoint (challenged first).
    await page.goto(`${appUrl}/features`);
    await waitForHydration(page, info);
    await page.getByText("Reveal Secret Token").click();
    creds.token = await page.getByLabel("Secret Token", { exact: true }).inputValue();
    await page.getByRole("textbox", { name: "Slash command" }).fill("/Lunch!");
    if (hydrated(info)) {
      // Checked as typed, by the same rule the server applies.
      await page.getByLabel("Command description").focus();
      await expect(page.getByText("Use lowercase letters, digits and dashes only.")).toBeVisible();
    }
    await page.getByRole("textbox", { name: "Slash command" }).fill("lunch");
    await page.getByLabel("Command description").fill("Where shall we eat?");
    await page.getByLabel("Usage hint").fill("day");
    await page.getByLabel("Welcome message").fill("Hi! Type /lunch today.");
    await page.getByLabel("Bot endpoint URL (development)").fill(bot.url);
    await page.getByRole("button", { name: "Save chat bot" }).click();
    await expect(page.getByText("Chat bot saved.")).toBeVisible();
    await expect(page.getByRole("textbox", { name: "Slash command" })).toHaveValue("lunch");

    // Install it in our own account (development credentials).
    await page.goto(`/oauth/authorize?response_type=code&client_id=${creds.clientId}&redirect_uri=${encodeURIComponent(`${baseURL}/healthz`)}`);
    await waitForHydration(page, info);
    await page.getByRole("button", { name: "Allow" }).click();
    await expect(page).toHaveURL(/\/healthz\?code=/);

    // Team chat: the bot's welcome, then a channel.
    await page.goto("/chat");
    await waitForHydration(page, info);
    await expect(page.getByRole("link", { name: "Chat", exact: true })).toHaveAttribute("aria-current", "page");
    const conversations = page.getByRole("navigation", { name: "Conversations" });
    await expect(conversations.getByRole("link", { name })).toBeVisible();
    await expect(page.getByText("/lunch").first()).toBeVisible();
    await conversations.getByRole("link", { name }).click();
    await expect(page.getByText("Hi! Type /lunch today.")).toBeVisible();

    await page.getByLabel("New channel").fill("<b>");
    await page.getByRole("button", { name: "Create channel" }).click();
    await expect(page.getByText("Use letters, digits, spaces, dashes and underscores only.")).toBeVisible();
    await expect(page.getByLabel("New channel")).toHaveValue("<b>");
    await page.getByLabel("New channel").fill("food");
    await page.getByRole("button", { name: "Create channel" }).click();
    await expect(page.getByRole("heading", { name: "#food", level: 1 })).toBeVisible();
    await expect(conversations.getByRole("link", { name: "#food" })).toHaveAttribute("aria-current", "page");
    await waitForHydration(page, info);

    const message = page.getByLabel("Message", { exact: true });
    const messages = page.getByRole("list", { name: "Messages" });
    // An unknown command is refused beside the field, and kept.
    await message.fill("/dinner now");
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.getByText("No bot answers /dinner. Commands here: /lunch. Nothing was sent.")).toBeVisible();
    await expect(message).toHaveValue("/dinner now");

    if (hydrated(info)) {
      await expect(page.getByText("Live: new messages appear as they are sent.")).toBeVisible();
      // Typing / suggests the commands installed here.
      await message.fill("/lu");
      const suggestions = page.getByRole("list", { name: "Matching commands" });
      await suggestions.getByRole("button", { name: "/lunch" }).click();
      await expect(message).toHaveValue("/lunch ");
      await message.pressSequentially("today");
      await message.press("Enter");
      await expect(message).toHaveValue("");
    } else {
      await message.fill("/lunch today");
      await page.getByRole("button", { name: "Send" }).click();
    }
    await expect(messages.getByText("/lunch today")).toBeVisible();

    // The bot's answer: live with JavaScript, on reload without.
    const question = messages.getByText("Lunch today?");
    if (hydrated(info)) {
      await expect(question).toBeVisible();
    } else {
      await expect(async () => {
        await page.reload();
        await expect(question).toBeVisible({ timeout: 1000 });
      }).toPass({ timeout: 15_000 });
    }
    await expect(messages.getByText("The bot got it.")).toBeVisible();
    await messages.getByRole("button", { name: "Pizza" }).click();
    const answer = messages.getByText("Bea Bot chose Pizza");
    if (hydrated(info)) {
      await expect(answer).toBeVisible();
    } else {
      await expect(page.getByText("Sent to the bot.")).toBeVisible();
      await expect(async () => {
        await page.reload();
        await expect(answer).toBeVisible({ timeout: 1000 });
      }).toPass({ timeout: 15_000 });
    }
    await expect(messages.getByText("(edited)")).toBeVisible();
    await expect(messages.getByRole("button", { name: "Pizza" })).toHaveCount(0);
    expect(bot.events).toEqual(["bot_installed", "bot_notification", "interactive_message_actions"]);
  } finally {
    bot.close();
  }
});
