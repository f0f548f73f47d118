// An open-loop load generator: sends one small POST every 1/RATE s for SECONDS, prints latency percentiles as JSON.
// Run as its own process so that the bench process's heap does not pause it:
//   node --import tsx paced-client.ts PORT RATE SECONDS [PATH BODY]   (default: a view event to /v1/events)
import http from 'node:http';

const [port, rateArg, secondsArg] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const [path = '/v1/events', fixedBody] = process.argv.slice(5);
const total = rateArg * secondsArg;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const latencies: number[] = [];
let sent = 0;
let inflight = 0;
let failures = 0;

function send(id: number): void {
  const body =
    fixedBody ??
    `{"id":"paced-${process.pid}-${id}","type":"view","ts":1767600000000,"userId":"u${id % 977}","productId":"p${id % 501}"}`;
  const started = performance.now();
  inflight++;
  const request = http.request(
    {
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    },
    (response) => {
      response.resume();
      response.on('end', () => {
        inflight--;
        latencies.push(performance.now() - started);
        if (response.statusCode !== 200) failures++;
      });
    },
  );
  request.on('error', () => {
    inflight--;
    failures++;
  });
  request.end(body);
}

const start = performance.now();
const timer = setInterval(() => {
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rateArg));
  while (sent < due) send(sent++);
  if (sent < total) return;
  clearInterval(timer);
  const wait = setInterval(() => {
    if (inflight > 0) return;
    clearInterval(wait);
    latencies.sort((a, b) => a - b);
    const q = (p: number) =>
      Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN) * 100) /
      100;
    console.log(
      JSON.stringify({
        requests: latencies.length,
        failures,
        seconds: (performance.now() - start) / 1000,
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        max: q(1),
      }),
    );
    agent.destroy();
  }, 5);
}, 1);
