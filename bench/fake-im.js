// A stand-in for Tencent for the benchmark: answers set_unread_msg_num with success after REPLY_DELAY_MS
// and records when each such call arrived; get_group_info answers "Public" for every group at once.
// GET /stats returns the count and arrival times of the set calls; POST /reset clears.
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
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    if (request.url.includes('/get_group_info')) {
      const { GroupIdList } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const GroupInfo = GroupIdList.map((GroupId) => ({ GroupId, ErrorCode: 0, ErrorInfo: '', Type: 'Public' }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', GroupInfo }));
      return;
    }
    arrivals.push(Date.now());
    const answer = () => response.writeHead(200, { 'content-type': 'application/json' }).end(reply);
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
