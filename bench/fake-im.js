// A stand-in for Tencent for the benchmark: answers every IM call with success after REPLY_DELAY_MS,
// and records when each call arrived. GET /stats returns the count and arrival times; POST /reset clears.
'use strict';
const http = require('node:http');

const delayMs = Number(process.env.REPLY_DELAY_MS ?? 0);
let arrivals = [];
const reply = JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    response.end(JSON.stringify({ calls: arrivals.length, arrivals }));
    return;
  }
  if (request.url === '/reset') {
    arrivals = [];
    response.end('{}');
    return;
  }
  request.resume();
  request.on('end', () => {
    arrivals.push(Date.now());
    const answer = () => response.writeHead(200, { 'content-type': 'application/json' }).end(reply);
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
