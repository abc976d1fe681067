import { GatewayError, imUnavailable, queueFull } from '../../src/errors';
import { compose } from '../../src/outbound/interceptor';
import { retry } from '../../src/outbound/retry';
import { signatureLockout } from '../../src/outbound/signature-lockout';
import { ImCommand, type ImCall, type ImReply } from '../../src/tencent/commands';
import { fromImReply } from '../../src/tencent/error-table';

const OK: ImReply = { ErrorCode: 0 };

/** A scripted next layer: answers (or throws) the script's entries in turn, recording every attempt. */
function scripted(script: Array<ImReply | GatewayError>) {
  let attempts = 0;
  const call: ImCall = async () => {
    const step = script[Math.min(attempts++, script.length - 1)];
    if (step instanceof GatewayError) throw step;
    return step;
  };
  return { call, attempts: () => attempts };
}

/** A fake clock that the recorded sleeps move forward. */
function fakeClock() {
  let now = 1_000_000;
  const waits: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    waits,
    advance: (ms: number) => (now += ms),
  };
}

const send = (call: ImCall) => call(ImCommand.SET_UNREAD_MSG_NUM, {});

describe('retry schedule', () => {
  it('backs off exponentially under full jitter: ceilings 100, 200, 400 ms, then gives up after IM_MAX_RETRIES', async () => {
    const clock = fakeClock();
    const im = scripted([fromImReply(10002, 'busy')]);
    const call = retry({ maxRetries: 3, deadlineMs: 60_000, resign: () => undefined, now: clock.now, sleep: clock.sleep, random: () => 0.5 })(im.call);
    await expect(send(call)).rejects.toMatchObject({ code: 'IM_UNAVAILABLE', imErrorCode: 10002 });
    expect(im.attempts()).toBe(4);
    expect(clock.waits).toEqual([50, 100, 200]);
  });

  it('caps a wait at 2 s and never waits less than the reply asks (retryAfterMs)', async () => {
    const clock = fakeClock();
    const slowDown = new GatewayError('RATE_LIMITED', 'slow down', { retryAfterMs: 700 });
    const im = scripted([slowDown, slowDown, slowDown, slowDown, slowDown, slowDown, OK]);
    const call = retry({ maxRetries: 6, deadlineMs: 60_000, resign: () => undefined, now: clock.now, sleep: clock.sleep, random: () => 0.9999 })(im.call);
    await expect(send(call)).resolves.toEqual(OK);
    expect(clock.waits.map(Math.round)).toEqual([700, 700, 700, 800, 1600, 2000]);
  });

  it('stops at the deadline rather than sleep past it', async () => {
    const clock = fakeClock();
    const im = scripted([imUnavailable('timeout')]);
    const call = retry({ maxRetries: 10, deadlineMs: 500, resign: () => undefined, now: clock.now, sleep: clock.sleep, random: () => 0.9999 })(im.call);
    await expect(send(call)).rejects.toMatchObject({ code: 'IM_UNAVAILABLE' });
    expect(clock.waits.map(Math.round)).toEqual([100, 200]); // a third wait (400 ms) would end past 500 ms
  });

  it('does not retry what is not retryable, nor a refusal made before any call', async () => {
    for (const error of [fromImReply(10007, 'not a member'), fromImReply(10010, 'gone'), queueFull(100)]) {
      const clock = fakeClock();
      const im = scripted([error]);
      const call = retry({ resign: () => undefined, now: clock.now, sleep: clock.sleep })(im.call);
      await expect(send(call)).rejects.toBe(error);
      expect(im.attempts()).toBe(1);
    }
  });

  it('re-signs once on 70001 / 70052 and retries at once; a second one fails', async () => {
    for (const code of [70001, 70052]) {
      const clock = fakeClock();
      let resigns = 0;
      const im = scripted([fromImReply(code, 'expired'), fromImReply(code, 'expired'), OK]);
      const call = retry({ resign: () => (resigns += 1), now: clock.now, sleep: clock.sleep })(im.call);
      await expect(send(call)).rejects.toMatchObject({ code: 'IM_CONFIGURATION_ERROR', imErrorCode: code });
      expect([resigns, im.attempts(), clock.waits.length]).toEqual([1, 2, 0]);
    }
  });
});

describe('the 70050 circuit breaker', () => {
  it('after IM answers 70050, refuses every call for 60 s without reaching IM, then lets calls through again', async () => {
    const clock = fakeClock();
    const im = scripted([fromImReply(70050, 'too many failures'), OK]);
    const lockout = signatureLockout(clock.now);
    const call = compose([lockout, retry({ resign: () => undefined, now: clock.now, sleep: clock.sleep }), lockout], im.call);
    await expect(send(call)).rejects.toMatchObject({ code: 'IM_CONFIGURATION_ERROR', imErrorCode: 70050 });
    clock.advance(59_000);
    await expect(send(call)).rejects.toMatchObject({ code: 'IM_CONFIGURATION_ERROR', imErrorCode: 70050, retryAfterMs: 1000 });
    expect(im.attempts()).toBe(1);
    clock.advance(1000);
    await expect(send(call)).resolves.toEqual(OK);
    expect(im.attempts()).toBe(2);
  });
});
