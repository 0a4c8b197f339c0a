/**
 * Contender (s): no gateway at all — a bare `node:http` server that reads the request body and answers with the
 * expected response from memory. What sending these bytes costs on this machine: the physical limit a cache hit
 * is compared with.
 */
import { createServer } from 'node:http';
import { loadFixture } from '../fixture.js';
import { readContenderEnv, stopOnSignal } from './env.js';

const { port, host } = readContenderEnv();
const body = Buffer.from(`${loadFixture().expectedBody}\n`);
const server = createServer((req, res) => {
  // The request is read to its end, as any server must before answering it.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(port, host, () => console.log(`ready: http://${host}:${port}/graphql`));
stopOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
