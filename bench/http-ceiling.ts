// Yardstick (b): a node http server that reads each POST body and answers 200, nothing else.
// The webhook rate it reaches is the ceiling of the load generator + node http on this machine.
import { createServer } from 'node:http';

const http = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}'));
});
http.keepAliveTimeout = 65_000;
http.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`PORT ${(http.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
