// The floor for single-request latency on this machine: Fastify answering a JSON POST or GET with no work at all.
import Fastify from 'fastify';

const app = Fastify();
app.post('/*', async () => ({ accepted: 1 }));
app.get('/*', async () => ({ items: [] }));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
console.log(`at http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
