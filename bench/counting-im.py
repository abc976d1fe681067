#!/usr/bin/env python3
"""Tencent IM as the rate limit sees it: the instrument for the 200 calls/s promise (tests and `npm run bench`).

Answers set_unread_msg_num with success after REPLY_DELAY_MS, or with 60007 above LIMIT_PER_SECOND set calls in
any WINDOW_MS (default 990: IM may count a window a little shorter than a second). The read commands answer
after READ_DELAY_MS (default 0) with one group as IM would hold it — every group Public with NextMsgSeq 101,
every account a Member whose MsgSeq is 90 (10 unread) — each counted per command (`reads`: arrival times) and
answered 60007 above LIMIT_PER_SECOND in any WINDOW_MS of its own command (`readFrequencyErrors`). GET /stats: the set calls with their arrival times (and, for comparison, when
this process read them), 60007s, the most calls one
member ever had in flight at once, `readLagMs` (how long after arriving a call was read, at worst) and
`unstampedReads` (reads the kernel gave no timestamp for, stamped when read instead; 0 when all is well).
POST /reset clears; POST /hold keeps every set call's answer until POST /release (a test sets up the
situation it checks while calls are at IM, a condition instead of a time). Prints its port on stdout.

Why Python: a call's arrival time is the kernel's receive timestamp (SO_TIMESTAMPNS), which Node cannot read.
On this project's 2-core VMs a CPU hog gets vCPUs descheduled by the host for ~100 ms (a SCHED_FIFO ticker sees
it too), so a receiver that stamps calls when it reads them sees ~100 ms of sending as one clump. Tencent's
servers do not share our CPU: stamping in the kernel, on the sending side of the loopback, counts what a remote
IM would count, whether or not this process is starved.
"""
import bisect
import heapq
import json
import os
import selectors
import socket
import struct
import time

DELAY_S = float(os.environ.get('REPLY_DELAY_MS', '0')) / 1000
READ_DELAY_S = float(os.environ.get('READ_DELAY_MS', '0')) / 1000
NEXT_MSG_SEQ = 101
MEMBER_MSG_SEQ = 90
LIMIT = int(os.environ.get('LIMIT_PER_SECOND', '0'))  # 0: no limit
GROUP_MEMBERS = int(os.environ.get('GROUP_MEMBERS', '0'))  # every group's members m0..m<n-1> for paging; 0: MemberNum unknown
WINDOW_MS = float(os.environ.get('WINDOW_MS', '990'))
SO_TIMESTAMPNS = getattr(socket, 'SO_TIMESTAMPNS', 35)
CMSG_SIZE = socket.CMSG_SPACE(16)

OK = {'ActionStatus': 'OK', 'ErrorInfo': '', 'ErrorCode': 0}
FREQUENCY_LIMIT = {'ActionStatus': 'FAIL', 'ErrorInfo': 'frequency limit', 'ErrorCode': 60007}


def fresh_state():
    return {'arrivals': [], 'sorted': [], 'setCalls': [], 'frequencyErrors': 0, 'maxOverlap': 0, 'inFlight': {}, 'readLagMs': 0.0, 'unstampedReads': 0,
            'reads': {}, 'readsSorted': {}, 'readFrequencyErrors': 0}


state = fresh_state()
selector = selectors.DefaultSelector()
replies = []  # heap of (due, sequence, connection, state, member, payload) for delayed answers (member None: a read)
held = []  # answers kept while holding, released in arrival order
holding = False
sequence = 0


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b''
        self.arrived_ms = None  # kernel timestamp of the first bytes of the request being read


def respond(conn, payload, status=b'200 OK'):
    body = json.dumps(payload).encode()
    head = b'HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: keep-alive\r\n\r\n' % (status, len(body))
    try:
        conn.sock.setblocking(True)
        conn.sock.sendall(head + body)
        conn.sock.setblocking(False)
    except OSError:
        close(conn)


def close(conn):
    try:
        selector.unregister(conn.sock)
    except (KeyError, ValueError):
        pass
    conn.sock.close()


def count_within_window(at_ms, ordered=None):
    ordered = state['sorted'] if ordered is None else ordered
    return bisect.bisect_right(ordered, at_ms) - bisect.bisect_right(ordered, at_ms - WINDOW_MS)


def read_reply(path, request):
    if '/get_group_info' in path:
        counted = {'MemberNum': GROUP_MEMBERS} if GROUP_MEMBERS > 0 else {}
        return {'GroupInfo': [{'GroupId': group, 'ErrorCode': 0, 'ErrorInfo': '', 'Type': 'Public', 'NextMsgSeq': NEXT_MSG_SEQ, **counted} for group in request['GroupIdList']]}
    if '/get_group_member_info' in path:
        start = request.get('Offset', 0)
        accounts = range(start, min(start + request.get('Limit', 200), GROUP_MEMBERS))
        return {'MemberNum': GROUP_MEMBERS, 'MemberList': [{'Member_Account': f'm{i}', 'Role': 'Member', 'MsgSeq': MEMBER_MSG_SEQ} for i in accounts]}
    if '/get_specified_group_member_info' in path:
        return {'MemberList': [{'Member_Account': account, 'Role': 'Member', 'MsgSeq': MEMBER_MSG_SEQ} for account in request['Member_List_Account']]}
    if '/get_role_in_group' in path:
        return {'UserIdList': [{'Member_Account': account, 'Role': 'Member'} for account in request['User_Account']]}
    return None


def answer_read(conn, command, payload, arrived_ms):
    global sequence
    arrivals = state['reads'].setdefault(command, [])
    ordered = state['readsSorted'].setdefault(command, [])
    arrivals.append(arrived_ms)
    bisect.insort(ordered, arrived_ms)
    if LIMIT > 0 and count_within_window(arrived_ms, ordered) > LIMIT:
        state['readFrequencyErrors'] += 1
        return respond(conn, FREQUENCY_LIMIT)
    sequence += 1
    heapq.heappush(replies, (time.monotonic() + READ_DELAY_S, sequence, conn, state, None, dict(OK, **payload)))


def handle(conn, method, path, body, arrived_ms, read_ms):
    global sequence, state, holding
    if method == 'GET' and path == '/stats':
        shown = {key: value for key, value in state.items() if key not in ('sorted', 'inFlight', 'readsSorted')}
        shown['calls'] = len(state['arrivals'])
        return respond(conn, shown)
    if path == '/reset':
        state = fresh_state()
        return respond(conn, {})
    if path == '/hold':
        holding = True
        return respond(conn, {})
    if path == '/release':
        holding = False
        for answer in held:
            heapq.heappush(replies, answer)
        held.clear()
        return respond(conn, {})
    if method != 'POST':
        return respond(conn, {'error': 'not an IM call (IM calls are POSTs)'}, status=b'404 Not Found')  # e.g. the gateway's simulator probe
    request = json.loads(body or b'{}')
    payload = read_reply(path, request)
    if payload is not None:
        return answer_read(conn, path.split('?')[0].split('/v4/')[-1], payload, arrived_ms)
    member = '%s\n%s' % (request.get('GroupId'), request.get('Member_Account'))
    call = {'member': member, 'value': request.get('UnreadMsgNum'), 'at': arrived_ms, 'readAt': read_ms, 'errorCode': 0}
    state['arrivals'].append(arrived_ms)
    bisect.insort(state['sorted'], arrived_ms)
    state['setCalls'].append(call)
    if LIMIT > 0 and count_within_window(arrived_ms) > LIMIT:
        state['frequencyErrors'] += 1
        call['errorCode'] = 60007
        return respond(conn, FREQUENCY_LIMIT)
    in_flight = state['inFlight']
    in_flight[member] = in_flight.get(member, 0) + 1
    state['maxOverlap'] = max(state['maxOverlap'], in_flight[member])
    sequence += 1
    answer = (time.monotonic() + DELAY_S, sequence, conn, state, member, None)
    if holding:
        held.append(answer)
    else:
        heapq.heappush(replies, answer)


def take_requests(conn, read_ms):
    """Parses every complete request in the connection's buffer (HTTP/1.1, Content-Length bodies, keep-alive)."""
    while True:
        end = conn.buffer.find(b'\r\n\r\n')
        if end < 0:
            return
        head = conn.buffer[:end].decode('latin-1').split('\r\n')
        method, path = head[0].split(' ')[:2]
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(':')
            if name.strip().lower() == 'content-length':
                length = int(value.strip())
        if len(conn.buffer) < end + 4 + length:
            return
        body = conn.buffer[end + 4:end + 4 + length]
        conn.buffer = conn.buffer[end + 4 + length:]
        arrived_ms, conn.arrived_ms = conn.arrived_ms, None
        handle(conn, method, path, body, arrived_ms, read_ms)
        if conn.buffer:
            conn.arrived_ms = arrived_ms  # a pipelined request read in the same go: the same stamp is all we have


def read(conn):
    try:
        data, ancillary, _, _ = conn.sock.recvmsg(65536, CMSG_SIZE)
    except (BlockingIOError, InterruptedError):
        return
    except OSError:
        return close(conn)
    if not data:
        return close(conn)
    now_ms = time.time() * 1000
    stamped_ms = None
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            seconds, nanoseconds = struct.unpack('qq', payload[:16])
            stamped_ms = seconds * 1000 + nanoseconds / 1e6
    if stamped_ms is None:
        state['unstampedReads'] += 1  # the kernel gave no timestamp: the read time stands in (should stay 0)
        stamped_ms = now_ms
    state['readLagMs'] = max(state['readLagMs'], now_ms - stamped_ms)
    if conn.arrived_ms is None:
        conn.arrived_ms = stamped_ms
    conn.buffer += data
    take_requests(conn, now_ms)


def accept(server):
    sock, _ = server.accept()
    sock.setblocking(False)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = Connection(sock)
    selector.register(sock, selectors.EVENT_READ, conn)


def send_due_replies():
    now = time.monotonic()
    while replies and replies[0][0] <= now:
        _, _, conn, owner, member, payload = heapq.heappop(replies)
        if member is not None:
            owner['inFlight'][member] -= 1
        if conn.sock.fileno() >= 0:
            respond(conn, OK if payload is None else payload)


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)  # set before any call arrives; accepted sockets inherit it
    server.bind(('127.0.0.1', 0))
    server.listen(1024)
    server.setblocking(False)
    selector.register(server, selectors.EVENT_READ, None)
    print(server.getsockname()[1], flush=True)
    while True:
        timeout = max(0.0, replies[0][0] - time.monotonic()) if replies else None
        for key, _ in selector.select(timeout):
            if key.data is None:
                accept(server)
            else:
                read(key.data)
        send_due_replies()


if __name__ == '__main__':
    main()
