// Webhook receiver for the delivery benchmark. Answers the URL validation
// with the Secret Token it is given (POST /token), records when each
// delivery arrives and its event_ts, and reports on GET /report:
// deliveries, deliveries/s between the first and the last, and the
// event-to-arrival latency p50/p95/p99 in ms.
import { createHmac } from "node:crypto";
import { createServer } from "node:http";

let token = "";
const arrivals = [];
const latencies = [];

const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (req.url === "/token") {
      token = body.trim();
      res.end("ok");
      return;
    }
    if (req.url === "/report") {
      const n = arrivals.length;
      const sorted = [...latencies].sort((a, b) => a - b);
      const pct = (p) => (n ? sorted[Math.min(n - 1, Math.floor((p / 100) * n))] : 0);
      const span = n > 1 ? (arrivals[n - 1] - arrivals[0]) / 1000 : 0;
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
    arrivals.push(now);
    latencies.push(now - json.event_ts);
    res.end("ok");
  });
});
server.listen(Number(process.argv[2] ?? 3299), "127.0.0.1", () => console.log("ready"));
