// Team chat benchmark: live updates of one channel.
//   node bench/chat.mjs fanout BASE COOKIE CHANNEL LISTENERS MESSAGES
//     Opens LISTENERS server-sent-event streams on /chat/CHANNEL/events
//     (as the page's island does), then posts MESSAGES messages one after
//     another through post_message (as the composer does, JSON answer)
//     and times, for each, from the start of its post to its arrival at
//     each listener.
//   node bench/chat.mjs command BASE COOKIE CHANNEL COUNT COMMAND
//     One listener; posts "/COMMAND n" COUNT times, one after another, and
//     times from the start of each post to the arrival of the bot's
//     answer (a loopback bot, below, answering through the API).
//   Both print: posts/s post_p50 post_p95 post_p99 arrival_p50 arrival_p95 arrival_p99 arrivals expected
//   node bench/chat.mjs idle BASE COOKIE CHANNEL N
//     Opens N streams, prints "ready", holds them until stdin closes.
//   node bench/chat.mjs bot PORT
//     A loopback bot: POST /config {base, token, clientId, secret} first;
//     answers the URL validation, and each bot_notification with a
//     message "re: <cmd>" through POST /v2/im/chat/messages (one
//     client_credentials token, fetched once).
import http from "node:http";

import { createHmac } from "node:crypto";

const [mode, ...args] = process.argv.slice(2);
const url = new URL(mode === "bot" ? "http://127.0.0.1" : args[0]);
const [, cookie, channel] = args;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** Opens one stream; calls `onUpdate(json)` for each `update` event. */
function listen(onUpdate) {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: url.hostname, port: url.port, path: `/chat/${channel}/events`, headers: { cookie, accept: "text/event-stream" }, agent },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`events answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding("utf8");
        let buffer = "";
        res.on("data", (chunk) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!event.split("\n").includes("event: update")) continue;
            const data = event
              .split("\n")
              .filter((l) => l.startsWith("data: "))
              .map((l) => l.slice(6))
              .join("");
            onUpdate(JSON.parse(data));
          }
        });
        resolve(req);
      },
    );
    req.on("error", reject);
  });
}

function post(text) {
  const body = new URLSearchParams({ channel, text }).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: "/api/post_message",
        method: "POST",
        agent,
        headers: {
          cookie,
          accept: "application/json",
          "content-type": "application/x-www-form-urlencoded",
          "sec-fetch-site": "same-origin",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        let answer = "";
        res.on("data", (c) => (answer += c));
        res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(answer)) : reject(new Error(`post answered ${res.statusCode}: ${answer}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const percentile = (values, p) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** One JSON request to Portico. */
function request(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method, agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      let answer = "";
      res.on("data", (c) => (answer += c));
      res.on("end", () => resolve({ status: res.statusCode, body: answer }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Posts `texts` one after another; times each post and each arrival
 * (`arrivalOf(update)` gives the text an update answers, or undefined). */
async function measure(listeners, texts, arrivalOf) {
  const started = new Map();
  const arrivalTimes = [];
  let waiting = null;
  const onUpdate = (update) => {
    if (update.op !== "message") return;
    const key = arrivalOf(update.message);
    const at = key === undefined ? undefined : started.get(key);
    if (at === undefined) return;
    arrivalTimes.push(performance.now() - at);
    if (waiting && arrivalTimes.length >= waiting.count) waiting.resolve();
  };
  const streams = [];
  for (let i = 0; i < listeners; i++) streams.push(await listen(onUpdate));
  // Every stream's subscription is in place before the first post.
  await new Promise((r) => setTimeout(r, 300));
  const postTimes = [];
  const t0 = performance.now();
  for (const [key, text] of texts) {
    const at = performance.now();
    started.set(key, at);
    await post(text);
    postTimes.push(performance.now() - at);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const expected = listeners * texts.length;
  await Promise.race([
    new Promise((resolve) => (arrivalTimes.length >= expected ? resolve() : (waiting = { count: expected, resolve }))),
    new Promise((r) => setTimeout(r, 10_000)),
  ]);
  console.log(
    [
      (texts.length / elapsed).toFixed(1),
      ...[50, 95, 99].map((p) => percentile(postTimes, p).toFixed(2)),
      ...[50, 95, 99].map((p) => percentile(arrivalTimes, p).toFixed(2)),
      arrivalTimes.length,
      expected,
    ].join(" "),
  );
  for (const s of streams) s.destroy();
  agent.destroy();
}

if (mode === "idle") {
  const open = [];
  for (let i = 0; i < Number(args[3]); i++) open.push(await listen(() => {}));
  console.log("ready");
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
} else if (mode === "fanout") {
  const stamp = Date.now();
  const texts = Array.from({ length: Number(args[4]) }, (_, m) => [`bench message ${m} ${stamp}`, `bench message ${m} ${stamp}`]);
  await measure(Number(args[3]), texts, (message) => message.text);
} else if (mode === "command") {
  const stamp = Date.now();
  const command = args[4];
  const texts = Array.from({ length: Number(args[3]) }, (_, m) => [`q${m}-${stamp}`, `/${command} q${m}-${stamp}`]);
  await measure(1, texts, (message) => (message.is_bot && message.text.startsWith("re: ") ? message.text.slice(4) : undefined));
} else if (mode === "bot") {
  let config = null;
  let token = null;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      if (req.url === "/config") {
        config = JSON.parse(body);
        res.end("ok");
        return;
      }
      const json = JSON.parse(body || "{}");
      if (json.event === "endpoint.url_validation") {
        const plainToken = json.payload.plainToken;
        const encryptedToken = createHmac("sha256", config.token).update(plainToken).digest("hex");
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ plainToken, encryptedToken }));
        return;
      }
      res.writeHead(200).end();
      if (json.event !== "bot_notification") return;
      const p = json.payload;
      const portico = new URL(config.base);
      url.hostname = portico.hostname;
      url.port = portico.port;
      if (!token) {
        const auth = Buffer.from(`${config.clientId}:${config.secret}`).toString("base64");
        const got = await request("POST", "/oauth/token", { authorization: `Basic ${auth}`, "content-type": "application/x-www-form-urlencoded" }, "grant_type=client_credentials");
        token = JSON.parse(got.body).access_token;
      }
      const reply = { robot_jid: p.robotJid, to_jid: p.toJid, account_id: p.accountId, content: { body: [{ type: "message", text: `re: ${p.cmd}` }] } };
      const sent = await request("POST", "/v2/im/chat/messages", { authorization: `Bearer ${token}`, "content-type": "application/json" }, JSON.stringify(reply));
      if (sent.status !== 201) console.error(`the bot's answer was refused: ${sent.status} ${sent.body}`);
    });
  });
  server.listen(Number(args[0]), "127.0.0.1", () => console.log("ready"));
}
