// A backend for load tests, run as its own process so that serving does not compete with the
// bench's event loop: answers every request with its name and, unlike harness/backend.ts,
// keeps no record of requests (millions of them would fill memory).
// Usage: node backend-server.ts NAME — prints the port it listens on (127.0.0.1) as one line.
import { createServer } from 'node:http';

const name = process.argv[2] ?? 'backend';
const body = Buffer.from(`${name}\n`);
const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  response.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
