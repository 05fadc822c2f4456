// Makes meetings through the API at a fixed rate (an open-loop load, as
// real traffic arrives whether or not the server keeps up), so that the
// webhook latency is measured at a load the server can sustain. A
// closed-loop generator like wrk makes events as fast as the server takes
// them, and then the latency it shows is only the queue's length.
//   node paced.mjs <base url> <bearer token> <events per second> <seconds>
// Prints: requests sent, 201 answers.
import http from "node:http";

const [base, token, rate, seconds] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const body = JSON.stringify({ topic: "Paced", duration: 30 });
const url = new URL("/v2/users/me/meetings", base);
let sent = 0;
let created = 0;
const pending = new Set();

function one() {
  sent++;
  const p = new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode === 201) created++;
        res.resume();
        res.on("end", resolve);
      },
    );
    req.on("error", resolve);
    req.end(body);
  });
  pending.add(p);
  p.then(() => pending.delete(p));
}

const start = Date.now();
const total = Math.round(Number(rate) * Number(seconds));
const tick = setInterval(() => {
  // However late the timer fires, catch up to where the schedule says.
  const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * Number(rate)));
  while (sent < due) one();
  if (sent >= total) {
    clearInterval(tick);
    Promise.all(pending).then(() => {
      console.log(`${sent} ${created}`);
      agent.destroy();
    });
  }
}, 5);
