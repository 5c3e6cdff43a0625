// The benchmark's upstream: node:http with canned OpenAI-format replies. The model name picks
// the reply: r300 (≈300 B JSON), r10k (≈10 KB JSON), s20 / s64 (SSE streams of 20 / 64 chunks).
import { createServer } from 'node:http';

const usage = { prompt_tokens: 12, completion_tokens: 40, total_tokens: 52 };
function completion(model, size) {
  const base = {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1700000000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'stop' }],
    usage,
  };
  const empty = JSON.stringify(base).length;
  base.choices[0].message.content = 'x'.repeat(Math.max(0, size - empty));
  return JSON.stringify(base);
}
const replies = { r300: completion('r300', 300), r10k: completion('r10k', 10 * 1024) };
function chunks(model, n, withUsage) {
  const base = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model,
  };
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: `tok${i} ` }, finish_reason: null }] })}\n\n`,
    );
  out.push(
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
  );
  if (withUsage) out.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
  out.push('data: [DONE]\n\n');
  return out;
}
const streams = {};
for (const [m, n] of [
  ['s20', 20],
  ['s64', 64],
])
  streams[m] = { plain: chunks(m, n, false), usage: chunks(m, n, true) };

const server = createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts).toString();
    const m = /"model":"([^"]+)"/.exec(body)?.[1] ?? 'r300';
    const s = streams[m];
    if (!s) {
      const r = replies[m] ?? replies.r300;
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(r),
      });
      res.end(r);
      return;
    }
    const list = body.includes('"include_usage":true') ? s.usage : s.plain;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    // One write per chunk, each on its own turn of the event loop, as a model server sends them.
    const next = () => {
      if (i === list.length - 1) return res.end(list[i]);
      res.write(list[i++]);
      setImmediate(next);
    };
    next();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
