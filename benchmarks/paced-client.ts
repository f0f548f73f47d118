// An open-loop load generator: sends one small POST every 1/RATE s for SECONDS, prints latency percentiles as JSON.
// Run as its own process so that the bench process's heap does not pause it:
//   node --import tsx paced-client.ts PORT RATE SECONDS [PATH [BODY]]   (default: a view event to /v1/events;
//   to /v1/risk/payments without BODY: a new payment each request; PATH "GET /x/{i}": GETs, {i} = 1…GET_IDS)
//
// It writes pre-built HTTP/1.1 requests on keep-alive sockets and reads the status line and Content-Length of each
// answer, as wrk and autocannon do: node:http's client spends ~100 µs of this process's time per request (measured:
// BENCHMARKS.md, run H), which showed up in the tail as if it were the server's. A request goes on an idle socket,
// or a new one when all are busy, so a slow answer never holds up the next request (open loop). Latency runs from
// the write to the end of the answer.
import net from 'node:net';

const [port, rate, seconds] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const [path = '/v1/events', fixedBody] = process.argv.slice(5);
const total = rate * seconds;
const latencies: number[] = [];
/** The server's own time over each answer, from its Server-Timing header where it sends one (ms). */
const serverTimes: number[] = [];
const idle: Connection[] = [];
let sent = 0;
let answered = 0;
let failures = 0;

function bodyOf(id: number): string {
  // POST /v1/risk/payments without a body given: a new payment each time (a repeated id is answered from the store).
  if (fixedBody === undefined && path === '/v1/risk/payments') {
    return `{"paymentId":"paced-${process.pid}-${id}","userId":"u${id % 977}","amount":${(id % 400) + 5},"currency":"EUR","cardId":"card-u${id % 977}-1","deviceId":"dev-u${id % 977}-1","ip":"10.0.${id % 200}.1","email":"u${id % 977}@mail.example","billingCountry":"DE","shippingCountry":"DE","ipCountry":"DE"}`;
  }
  return (
    fixedBody ??
    `{"id":"paced-${process.pid}-${id}","type":"view","ts":1767600000000,"userId":"u${id % 977}","productId":"p${id % 501}"}`
  );
}

/** `GET /path/{i}`: a GET whose {i} is the request's number modulo GET_IDS (default 610) plus 1. */
const getPath = path.startsWith('GET ') ? path.slice(4) : undefined;
const getIds = Number(process.env.GET_IDS ?? 610);

function requestOf(body: string, id = 0): Buffer {
  if (getPath !== undefined) {
    return Buffer.from(
      `GET ${getPath.replace('{i}', String((id % getIds) + 1))} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
    );
  }
  return Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const fixedRequest = fixedBody === undefined ? undefined : requestOf(fixedBody);

/** One keep-alive socket with at most one request in flight. */
class Connection {
  private readonly socket: net.Socket;
  private pending = '';
  private started = 0;

  constructor() {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', () => this.fail());
    this.socket.on('close', () => {
      if (this.started !== 0) this.fail();
    });
  }

  send(request: Buffer): void {
    this.started = performance.now();
    this.socket.write(request);
  }

  close(): void {
    this.socket.destroy();
  }

  /** Collects one answer: the head up to its blank line, then Content-Length bytes of body. */
  private read(chunk: Buffer): void {
    this.pending += chunk.toString('latin1');
    const headEnd = this.pending.indexOf('\r\n\r\n');
    if (headEnd === -1) return;
    const head = this.pending.slice(0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) throw new Error(`paced-client: an answer without Content-Length: ${head}`);
    if (this.pending.length < headEnd + 4 + Number(length[1])) return;
    latencies.push(performance.now() - this.started);
    const timing = /\r\nserver-timing: *app;dur=([\d.]+)/i.exec(head);
    if (timing) serverTimes.push(Number(timing[1]));
    if (!head.startsWith('HTTP/1.1 20')) failures++;
    this.pending = '';
    this.started = 0;
    answered++;
    idle.push(this);
  }

  private fail(): void {
    if (this.started === 0) return;
    this.started = 0;
    failures++;
    answered++;
  }
}

const start = performance.now();
const timer = setInterval(() => {
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
  for (; sent < due; sent++)
    (idle.pop() ?? new Connection()).send(fixedRequest ?? requestOf(bodyOf(sent), sent));
  if (sent < total) return;
  clearInterval(timer);
  const wait = setInterval(() => {
    if (answered < total) return;
    clearInterval(wait);
    latencies.sort((a, b) => a - b);
    serverTimes.sort((a, b) => a - b);
    const at = (sorted: number[], p: number) =>
      Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN) * 100) / 100;
    const q = (p: number) => at(latencies, p);
    console.log(
      JSON.stringify({
        requests: latencies.length,
        failures,
        seconds: (performance.now() - start) / 1000,
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        max: q(1),
        ...(serverTimes.length > 0
          ? {
              serverP50: at(serverTimes, 0.5),
              serverP99: at(serverTimes, 0.99),
              serverMax: at(serverTimes, 1),
            }
          : {}),
      }),
    );
    for (const connection of idle) connection.close();
  }, 5);
}, 1);
