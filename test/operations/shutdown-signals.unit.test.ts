import { FORCING_SIGNAL, SAME_SIGNAL_MS, ShutdownSignals } from '../../src/shutdown-signals';

describe('shutdown signals', () => {
  it('drains on the first, ignores the copy npm forwards within the same second, reminds on the second and forces on the third', () => {
    const signals = new ShutdownSignals();
    expect(signals.receive(0)).toBe('drain');
    expect(signals.receive(3)).toBe('duplicate'); // the process group's copy and npm's arrive together
    expect(signals.receive(SAME_SIGNAL_MS - 1)).toBe('duplicate');
    expect(signals.receive(SAME_SIGNAL_MS + 500)).toBe('remind');
    expect(signals.receive(SAME_SIGNAL_MS + 502)).toBe('duplicate');
    expect(signals.receive(3 * SAME_SIGNAL_MS)).toBe('force');
    expect(FORCING_SIGNAL).toBe(3);
  });

  it('counts copies arriving within the same second of the counted signal as that signal', () => {
    const signals = new ShutdownSignals();
    const actions = Array.from({ length: 50 }, (_, i) => signals.receive(i * 10));
    expect(actions.filter((action) => action !== 'duplicate')).toEqual(['drain']);
  });
});
