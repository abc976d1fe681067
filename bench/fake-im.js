// The instant upstream for CPU runs (`npm run bench`'s overhead rows, `npm run profile`): answers every
// set_unread_msg_num with success and every get_group_info with "Public" at once, counting nothing, so the
// figures are the target's own. What IM counts (arrival times, 60007, overlap) is bench/counting-im.py's job.
'use strict';
const http = require('node:http');

const ok = JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json' });
    if (!request.url.includes('/get_group_info')) return void response.end(ok);
    const { GroupIdList } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const GroupInfo = GroupIdList.map((GroupId) => ({ GroupId, ErrorCode: 0, ErrorInfo: '', Type: 'Public' }));
    response.end(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', GroupInfo }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
