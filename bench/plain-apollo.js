// A plain-SDL Apollo Server 5 whose resolver makes the same signed IM call: what most teams would write.
'use strict';
const http = require('node:http');
const { randomInt } = require('node:crypto');
const { ApolloServer, HeaderMap } = require('@apollo/server');
const { Pool } = require('undici');
const { signUserSig } = require('../dist/tencent/usersig');

const sdkAppId = Number(process.env.IM_SDKAPPID);
const userSig = signUserSig({ sdkAppId, secretKey: process.env.IM_SECRET_KEY, identifier: 'administrator', expireSeconds: 86400 });
const pool = new Pool(process.env.IM_API_BASE_URL, { connections: 64 });

const typeDefs = `#graphql
  input SetGroupMemberUnreadCountInput { groupId: ID! memberAccount: ID! unreadCount: Int! }
  type SetGroupMemberUnreadCountPayload { groupId: ID! memberAccount: ID! unreadCount: Int! coalesced: Boolean! }
  type Query { ok: Boolean }
  type Mutation { setGroupMemberUnreadCount(input: SetGroupMemberUnreadCountInput!): SetGroupMemberUnreadCountPayload! }
`;
const resolvers = {
  Mutation: {
    async setGroupMemberUnreadCount(_root, { input }) {
      const query = new URLSearchParams({ sdkappid: String(sdkAppId), identifier: 'administrator', usersig: userSig, random: String(randomInt(0, 2 ** 32)), contenttype: 'json' });
      const upstream = await pool.request({
        method: 'POST',
        path: `/v4/group_open_http_svc/set_unread_msg_num?${query}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ GroupId: input.groupId, Member_Account: input.memberAccount, UnreadMsgNum: input.unreadCount }),
      });
      const reply = await upstream.body.json();
      if (reply.ErrorCode !== 0) throw new Error(reply.ErrorInfo);
      return { ...input, coalesced: false };
    },
  },
};

(async () => {
  const apollo = new ApolloServer({ typeDefs, resolvers, stopOnTerminationSignals: false });
  await apollo.start();
  // Served exactly as the gateway serves it (node:http + executeHTTPGraphQLRequest), so only the schema layer differs.
  const server = http.createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method, headers, search: '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) },
      context: async () => ({}),
    });
    response.statusCode = result.status ?? 200;
    for (const [name, value] of result.headers) response.setHeader(name, value);
    response.end(result.body.string);
  });
  server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
})();
