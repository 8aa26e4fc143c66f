/**
 * Holds the current gate state for every practice this server serves: Escape's PracticeToolGate
 * rows (polled through the admin gate endpoints when the server's credential may read them; no
 * row = enabled) and the operator's local policy. Listeners hear which practices changed, so
 * connected sessions can be told `notifications/tools/list_changed`.
 */
import { stat } from 'node:fs/promises';
import type { Logger } from '../logger.js';
import type { PracticeGates } from './decision.js';
import { EMPTY_POLICY, type LocalPolicy, loadPolicy, locallyDisabled } from './policy.js';

/** Reads the gate rows of one practice, or answers 'unreadable' when the credential may not. */
export type UpstreamGateReader = (
  practiceId: string,
) => Promise<readonly { toolKey: string; enabled: boolean }[] | 'unreadable'>;

export interface GateRegistryOptions {
  /** The practices served at start (`setPracticeIds` replaces them once the practice list is read). */
  practiceIds: readonly string[];
  readUpstream: UpstreamGateReader;
  policyFile: string | undefined;
  pollSeconds: number;
  logger: Logger;
}

type ChangeListener = (changedPracticeIds: readonly string[]) => void;

export class GateRegistry {
  private readonly upstream = new Map<string, ReadonlySet<string>>();
  private readonly unreadable = new Set<string>();
  /** Practices whose rows were read once: a refusal later keeps their last rows (see pollOnce). */
  private readonly readOnce = new Set<string>();
  /** Practices read once whose rows are refused now (logged once per spell). */
  private readonly refusedNow = new Set<string>();
  /** Practices whose gate rows were read at least once (or found unreadable): readiness. */
  private readonly loaded = new Set<string>();
  private lastPollAt: Date | undefined;
  private policy: LocalPolicy = EMPTY_POLICY;
  private readonly listeners = new Set<ChangeListener>();
  private timer: NodeJS.Timeout | undefined;
  private policyTimer: NodeJS.Timeout | undefined;
  /** The policy file's inode, size and mtime as they were just before it was last read. */
  private policyStamp: string | undefined;
  private polling: Promise<void> | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private practiceIds: readonly string[];

  constructor(private readonly options: GateRegistryOptions) {
    this.practiceIds = options.practiceIds;
  }

  /** The practices served from now on; `poll()` reads the gate rows of new ones. */
  setPracticeIds(practiceIds: readonly string[]): void {
    this.practiceIds = [...practiceIds];
  }

  /** Loads the policy and the first gate rows; then polls in the background. */
  async start(): Promise<void> {
    this.policy = await this.readPolicyFile();
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.pollSeconds * 1000);
    this.timer.unref();
    if (this.options.policyFile) {
      // Polled by path, not fs.watch: editors and config tools save by renaming a new file over
      // the old one, and an inode watch then fires once and never again (Linux), so later edits
      // would go unseen. A stat a second also follows a symlink swap (Kubernetes ConfigMaps). It
      // is compared with the stat taken before the last read (not with the previous poll, as
      // fs.watchFile does), so an edit made while the file was being read is not missed either.
      this.policyTimer = setInterval(() => void this.checkPolicyFile(), POLICY_STAT_MS);
      this.policyTimer.unref();
    }
  }

  /** Stamped before reading: a write landing during the read leaves a newer stamp, read next check. */
  private async readPolicyFile(): Promise<LocalPolicy> {
    this.policyStamp = await this.stampPolicy();
    return loadPolicy(this.options.policyFile);
  }

  private async checkPolicyFile(): Promise<void> {
    if ((await this.stampPolicy()) !== this.policyStamp) await this.reloadPolicy();
  }

  private async stampPolicy(): Promise<string | undefined> {
    if (!this.options.policyFile) return undefined;
    try {
      const now = await stat(this.options.policyFile);
      return `${now.ino}:${now.size}:${now.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.policyTimer) clearInterval(this.policyTimer);
  }

  gatesFor(practiceId: string): PracticeGates {
    return {
      upstreamDisabled: this.upstream.get(practiceId) ?? new Set(),
      locallyDisabled: locallyDisabled(this.policy, practiceId),
      upstreamKnown: this.loaded.has(practiceId),
    };
  }

  /** Ready once every practice's gate rows have been read (or found unreadable) at least once. */
  status(): { ready: boolean; pendingPracticeIds: string[]; lastPollAt: Date | undefined } {
    const pendingPracticeIds = this.practiceIds.filter((id) => !this.loaded.has(id));
    return { ready: pendingPracticeIds.length === 0, pendingPracticeIds, lastPollAt: this.lastPollAt };
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads every practice's gate rows now (the interval does this on its own). */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  /**
   * Re-reads the policy file. Reloads run one after another: the file watcher and an explicit
   * call may fire together, and two overlapping reloads would both announce the same change.
   */
  reloadPolicy(): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadPolicyOnce());
    return this.reloading;
  }

  private async reloadPolicyOnce(): Promise<void> {
    const before = new Map(this.practiceIds.map((id) => [id, key(locallyDisabled(this.policy, id))]));
    try {
      this.policy = await this.readPolicyFile();
    } catch (error) {
      // Keep the last good policy: a half-written file must not switch tools back on.
      this.options.logger.error({ err: error }, 'policy reload failed; keeping the previous policy');
      return;
    }
    const changed = this.practiceIds.filter((id) => before.get(id) !== key(locallyDisabled(this.policy, id)));
    if (changed.length > 0) {
      this.options.logger.info({ practiceIds: changed }, 'local tool policy changed');
      this.emit(changed);
    }
  }

  private async pollOnce(): Promise<void> {
    const changed: string[] = [];
    await Promise.all(
      this.practiceIds.map(async (practiceId) => {
        let rows: Awaited<ReturnType<UpstreamGateReader>>;
        try {
          rows = await this.options.readUpstream(practiceId);
        } catch (error) {
          // Keep the last known rows: an outage must not silently re-enable a disabled tool.
          this.options.logger.warn({ practiceId, err: error }, 'gate poll failed; keeping the last known gates');
          return;
        }
        if (rows === 'unreadable' && this.readOnce.has(practiceId)) {
          // Read before, refused now: more likely a proxy or a deploy page answering 403/404 than
          // a permission withdrawn, and an empty row list would switch disabled tools back on.
          if (!this.refusedNow.has(practiceId)) {
            this.refusedNow.add(practiceId);
            this.options.logger.warn(
              { practiceId },
              'gate rows readable before are refused now; keeping the last known gates',
            );
          }
          return;
        }
        if (rows === 'unreadable') {
          if (!this.unreadable.has(practiceId)) {
            this.unreadable.add(practiceId);
            this.options.logger.info(
              { practiceId },
              "the upstream credential cannot read Escape's tool gates; only local policy applies",
            );
          }
          rows = [];
        } else {
          this.readOnce.add(practiceId);
          this.refusedNow.delete(practiceId);
        }
        this.loaded.add(practiceId);
        const disabled = new Set(rows.filter((row) => !row.enabled).map((row) => row.toolKey));
        if (key(disabled) !== key(this.upstream.get(practiceId) ?? new Set())) changed.push(practiceId);
        this.upstream.set(practiceId, disabled);
      }),
    );
    this.lastPollAt = new Date();
    if (changed.length > 0) {
      this.options.logger.info({ practiceIds: changed }, 'upstream tool gates changed');
      this.emit(changed);
    }
  }

  private emit(changed: readonly string[]): void {
    for (const listener of this.listeners) listener(changed);
  }
}

const key = (names: ReadonlySet<string>) => [...names].sort().join(',');

/** How often the policy file's metadata is checked for a change. */
const POLICY_STAT_MS = 1_000;
