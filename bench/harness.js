// What the benchmark (run.js) and the profiler (profile.js) share: the test app, the admin's request headers,
// the gateway's V8 flags, the mutation they send, and the autocannon load.
'use strict';
const autocannon = require('autocannon');
const { signUserSig } = require('../dist/tencent/usersig');

const SDKAPPID = '1400000001';
const SECRET = 'bench-secret-key';
// Requests carry the app admin's UserSig, so the gateway's figures include verifying it (AUTH_MODE=usersig).
const REQUEST_HEADERS = {
  'content-type': 'application/json',
  authorization: `UserSig ${signUserSig({ sdkAppId: Number(SDKAPPID), secretKey: SECRET, identifier: 'administrator', expireSeconds: 86400 })}`,
};

/** The V8 flags `npm start` runs the gateway with (package.json is where they are set), so the bench measures the same. */
const GATEWAY_NODE_FLAGS = require('../package.json').scripts.start.split(' ').filter((word) => word.startsWith('--'));

const MUTATION = 'mutation Set($input: SetGroupMemberUnreadCountInput!) { setGroupMemberUnreadCount(input: $input) { groupId memberAccount unreadCount coalesced } }';

/** `body(i)`: the i-th request's JSON body; default the mutation for `member(i)`. */
function load(url, { connections, duration, amount, overallRate, member, body }) {
  let counter = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/graphql`,
        method: 'POST',
        connections,
        duration,
        amount,
        overallRate,
        headers: REQUEST_HEADERS,
        requests: [
          {
            setupRequest(request) {
              const i = counter++;
              request.body = body !== undefined ? body(i) : JSON.stringify({ query: MUTATION, variables: { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: member(i), unreadCount: i % 100 } } });
              return request;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

module.exports = { SDKAPPID, SECRET, REQUEST_HEADERS, MUTATION, GATEWAY_NODE_FLAGS, load };
