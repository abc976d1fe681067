// The floor for a Node gateway: node:http + undici doing the same signed IM call, no GraphQL at all.
'use strict';
const http = require('node:http');
const { randomInt } = require('node:crypto');
const { Pool } = require('undici');
const { signUserSig } = require('../dist/tencent/usersig');

const sdkAppId = Number(process.env.IM_SDKAPPID);
const userSig = signUserSig({ sdkAppId, secretKey: process.env.IM_SECRET_KEY, identifier: 'administrator', expireSeconds: 86400 });
const pool = new Pool(process.env.IM_API_BASE_URL, { connections: 64 });

const server = http.createServer(async (request, response) => {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const { groupId, memberAccount, unreadCount } = variables.input;
  const query = new URLSearchParams({ sdkappid: String(sdkAppId), identifier: 'administrator', usersig: userSig, random: String(randomInt(0, 2 ** 32)), contenttype: 'json' });
  const upstream = await pool.request({
    method: 'POST',
    path: `/v4/group_open_http_svc/set_unread_msg_num?${query}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ GroupId: groupId, Member_Account: memberAccount, UnreadMsgNum: unreadCount }),
  });
  const reply = await upstream.body.json();
  const data = reply.ErrorCode === 0 ? { setGroupMemberUnreadCount: { groupId, memberAccount, unreadCount, coalesced: false } } : null;
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
