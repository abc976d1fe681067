// A stand-in for Tencent, in its own process (so a busy test or load generator cannot skew its clock):
// answers set_unread_msg_num with success after REPLY_DELAY_MS, or with 60007 above LIMIT_PER_SECOND
// set calls in any WINDOW_MS (default 990: IM may count a window a little shorter than a second; 0: no limit), and records every set call; get_group_info answers "Public" for
// every group at once. GET /stats: the set calls, their arrival times, 60007s and the most calls one member
// ever had in flight at once. POST /reset clears. Used by the benchmark and the multi-replica tests.
'use strict';
const http = require('node:http');

const delayMs = Number(process.env.REPLY_DELAY_MS ?? 0);
const limitPerSecond = Number(process.env.LIMIT_PER_SECOND ?? 0);
const windowMs = Number(process.env.WINDOW_MS ?? 990);
const ok = JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
const frequencyLimit = JSON.stringify({ ActionStatus: 'FAIL', ErrorInfo: 'frequency limit', ErrorCode: 60007 });
let state;
function reset() {
  state = { arrivals: [], setCalls: [], frequencyErrors: 0, maxOverlap: 0, inFlight: new Map() };
}
reset();

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    const { arrivals, setCalls, frequencyErrors, maxOverlap } = state;
    response.end(JSON.stringify({ calls: arrivals.length, arrivals, setCalls, frequencyErrors, maxOverlap }));
    return;
  }
  if (request.url === '/reset') {
    reset();
    response.end('{}');
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const json = (text) => response.writeHead(200, { 'content-type': 'application/json' }).end(text);
    if (request.url.includes('/get_group_info')) {
      const GroupInfo = body.GroupIdList.map((GroupId) => ({ GroupId, ErrorCode: 0, ErrorInfo: '', Type: 'Public' }));
      json(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', GroupInfo }));
      return;
    }
    const now = Date.now();
    const { arrivals, setCalls, inFlight } = state;
    arrivals.push(now);
    const call = { member: `${body.GroupId}\n${body.Member_Account}`, value: body.UnreadMsgNum, at: now, errorCode: 0 };
    setCalls.push(call);
    if (limitPerSecond > 0) {
      let recent = 0;
      for (let i = arrivals.length - 1; i >= 0 && arrivals[i] > now - windowMs; i--) recent += 1;
      if (recent > limitPerSecond) {
        state.frequencyErrors += 1;
        call.errorCode = 60007;
        json(frequencyLimit);
        return;
      }
    }
    const current = state;
    inFlight.set(call.member, (inFlight.get(call.member) ?? 0) + 1);
    current.maxOverlap = Math.max(current.maxOverlap, inFlight.get(call.member));
    const answer = () => {
      inFlight.set(call.member, inFlight.get(call.member) - 1);
      json(ok);
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
