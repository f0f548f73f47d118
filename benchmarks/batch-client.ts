// A closed-loop batch load generator in its own process: CONNECTIONS keep-alive connections POST NDJSON batches
// of BATCH lines from FILE for SECONDS; ids get a per-round prefix so that nothing is a duplicate.
// node --import tsx batch-client.ts PORT FILE BATCH CONNECTIONS SECONDS → one JSON line
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [portArg, file, batchArg, connectionsArg, secondsArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const [port, batchSize, connections, seconds] = [portArg, batchArg, connectionsArg, secondsArg].map(
  Number,
) as [number, number, number, number];
const lines = readFileSync(file, 'utf8').trim().split('\n');
const batches: string[] = [];
for (let i = 0; i + batchSize <= lines.length; i += batchSize)
  batches.push(lines.slice(i, i + batchSize).join('\n'));
lines.length = 0;

const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies: number[] = [];
let next = 0;
let accepted = 0;
let failures = 0;
const start = performance.now();
const end = start + seconds * 1000;

function body(): string {
  const n = next++;
  const round = Math.floor(n / batches.length);
  const text = batches[n % batches.length] as string;
  return round === 0 ? text : text.replaceAll('{"id":"', `{"id":"r${round}-`);
}

function loop(): Promise<void> {
  return new Promise((resolve) => {
    const send = () => {
      if (performance.now() >= end) return resolve();
      const payload = body();
      const t = performance.now();
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/events',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(payload) },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => {
            latencies.push(performance.now() - t);
            if (response.statusCode === 200) accepted += (JSON.parse(text) as { accepted: number }).accepted;
            else failures++;
            send();
          });
        },
      );
      request.on('error', () => {
        failures++;
        send();
      });
      request.end(payload);
    };
    send();
  });
}

await Promise.all(Array.from({ length: connections }, loop));
const elapsed = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN);
console.log(
  JSON.stringify({
    accepted,
    failures,
    requests: latencies.length,
    seconds: elapsed,
    eventsPerSecond: Math.round(accepted / elapsed),
    p50: q(0.5),
    p99: q(0.99),
  }),
);
agent.destroy();
