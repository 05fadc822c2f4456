// Webhook receiver for the delivery benchmark. Answers the URL validation
// with the Secret Token it is given (POST /token) and records when each
// delivery arrives and its event_ts. GET /report gives, since the last
// POST /reset: deliveries, deliveries/s, and the event-to-arrival latency
// p50/p95/p99 in ms.
//
// POST /pause holds every delivery unanswered (a receiver that is down
// for a while, so a backlog builds in the outbox); POST /resume answers
// them and every later one at once. After a resume, deliveries/s is
// counted from the resume to the last arrival: how fast the worker
// drains a backlog, whatever the rate the events were made at.
import { createHmac } from "node:crypto";
import { createServer } from "node:http";

let token = "";
let arrivals = [];
let latencies = [];
let held = null; // responses waiting for /resume while paused
let resumedAt = null;

const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (req.url === "/token") {
      token = body.trim();
      res.end("ok");
      return;
    }
    if (req.url === "/reset") {
      arrivals = [];
      latencies = [];
      resumedAt = null;
      res.end("ok");
      return;
    }
    if (req.url === "/pause") {
      held = [];
      res.end("ok");
      return;
    }
    if (req.url === "/resume") {
      resumedAt = Date.now();
      const waiting = held ?? [];
      held = null;
      for (const r of waiting) {
        arrivals.push(resumedAt);
        r.end("ok");
      }
      res.end(`${waiting.length}\n`);
      return;
    }
    if (req.url === "/report") {
      const n = arrivals.length;
      const sorted = [...latencies].sort((a, b) => a - b);
      const pct = (p) => (n ? sorted[Math.min(n - 1, Math.floor((p / 100) * n))] : 0);
      const start = resumedAt ?? arrivals[0];
      const span = n > 1 ? (arrivals[n - 1] - start) / 1000 : 0;
      res.end(`${n} ${span > 0 ? (n / span).toFixed(1) : "0"} ${pct(50)} ${pct(95)} ${pct(99)}\n`);
      return;
    }
    const json = JSON.parse(body || "{}");
    if (json.event === "endpoint.url_validation") {
      const plainToken = json.payload.plainToken;
      const encryptedToken = createHmac("sha256", token).update(plainToken).digest("hex");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ plainToken, encryptedToken }));
      return;
    }
    const now = Date.now();
    latencies.push(now - json.event_ts);
    if (held) {
      held.push(res);
      return;
    }
    arrivals.push(now);
    res.end("ok");
  });
});
server.listen(Number(process.argv[2] ?? 3299), "127.0.0.1", () => console.log("ready"));
