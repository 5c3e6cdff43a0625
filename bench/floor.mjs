// The floor: the least a Node gateway can do. node:http in, undici Pool out, bytes passed
// through unchanged (no auth, no parsing, no accounting).
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new Pool(process.env.UPSTREAM, { connections: 256 });
const server = createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    upstream
      .request({
        method: 'POST',
        path: req.url,
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(parts),
      })
      .then(async (up) => {
        res.writeHead(up.statusCode, { 'content-type': up.headers['content-type'] });
        for await (const chunk of up.body) res.write(chunk);
        res.end();
      })
      .catch(() => {
        res.writeHead(502).end();
      });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`),
);
