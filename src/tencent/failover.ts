/** After this long on the backup host, the primary is tried again. */
export const PRIMARY_RETRY_AFTER_MS = 30_000;

export type HostRole = 'primary' | 'backup';

/**
 * Which of the region's two hosts the next attempt goes to. A host failure (no HTTP answer, or a non-200
 * one) moves to the other host, so the retry goes there; after {@link PRIMARY_RETRY_AFTER_MS} on the
 * backup, the primary gets the next attempt again. IM's ErrorCodes are answers, not host failures.
 */
export class HostFailover {
  private backupSince?: number;

  constructor(
    private readonly hasBackup: boolean,
    private readonly onSwitch: (to: HostRole) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The host for the next attempt. */
  current(): HostRole {
    if (this.backupSince === undefined) return 'primary';
    return this.now() - this.backupSince >= PRIMARY_RETRY_AFTER_MS ? 'primary' : 'backup';
  }

  /** An attempt on `role` got no usable HTTP answer. */
  failed(role: HostRole): void {
    if (!this.hasBackup) return;
    if (role === 'primary') {
      // Already on the backup and only probing the primary: start a new stay, without a second log line.
      const switching = this.backupSince === undefined;
      this.backupSince = this.now();
      if (switching) this.onSwitch('backup');
    } else if (this.backupSince !== undefined) {
      this.backupSince = undefined;
      this.onSwitch('primary');
    }
  }

  /** An attempt on `role` got an HTTP answer. */
  answered(role: HostRole): void {
    // Only the probe after the stay counts: a call that started before the switch may still answer late.
    if (role === 'primary' && this.current() === 'primary' && this.backupSince !== undefined) {
      this.backupSince = undefined;
      this.onSwitch('primary');
    }
  }
}
