/**
 * Holds the current gate state for every practice this server serves: Escape's PracticeToolGate
 * rows (polled through the admin gate endpoints when the server's credential may read them; no
 * row = enabled) and the operator's local policy. Listeners hear which practices changed, so
 * connected sessions can be told `notifications/tools/list_changed`.
 */
import type { Logger } from '../logger.js';
import { TOOLSETS } from '../toolsets.js';
import { WatchedFile } from '../watched-file.js';
import type { PracticeGates } from './decision.js';
import {
  EMPTY_POLICY,
  type LocalPolicy,
  loadPolicy,
  locallyDisabled,
  PolicyFileError,
  type PracticeNames,
  toolsetsDisabled,
  unknownPractices,
} from './policy.js';

/** Reads the gate rows of one practice, or answers 'unreadable' when the credential may not. */
export type UpstreamGateReader = (
  practiceId: string,
) => Promise<readonly { toolKey: string; enabled: boolean }[] | 'unreadable'>;

export interface GateRegistryOptions {
  /** The practices served at start (`setPracticeIds` replaces them once the practice list is read). */
  practiceIds: readonly string[];
  /** Every tool a policy file may name. */
  knownTools: readonly string[];
  readUpstream: UpstreamGateReader;
  policyFile: string | undefined;
  pollSeconds: number;
  logger: Logger;
  /**
   * Serve write tools on local policy alone when the credential cannot read Escape's gate rows
   * (--local-gates-only). Off by default: writes then stay off for those practices.
   */
  localGatesOnly?: boolean;
  /** The toolsets offered (--toolsets); default every one. */
  toolsets?: readonly string[];
}

type ChangeListener = (changedPracticeIds: readonly string[]) => void;

export class GateRegistry {
  private readonly upstream = new Map<string, ReadonlySet<string>>();
  /** Practices whose gate rows the credential has refused since start, never read yet. */
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
  private readonly policyFile: WatchedFile | undefined;
  private polling: Promise<void> | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private practiceIds: readonly string[];
  /** Every practice a policy file may name; undefined until the practice list has been read. */
  private knownPractices: PracticeNames | undefined;

  constructor(private readonly options: GateRegistryOptions) {
    this.practiceIds = options.practiceIds;
    this.policyFile = options.policyFile ? new WatchedFile(options.policyFile) : undefined;
  }

  /**
   * The practices served from now on; `poll()` reads the gate rows of new ones. `known` is every
   * practice a policy may name (served, disabled, unusable): the policy loaded before the list was
   * read is checked against it now (see `policyProblems`).
   */
  setPracticeIds(practiceIds: readonly string[], known?: PracticeNames): void {
    this.practiceIds = [...practiceIds];
    if (!known) return;
    this.knownPractices = known;
    const problems = unknownPractices(this.policy, known);
    if (problems.length > 0) {
      // Already in force, and it can only disable: dropping it now would switch tools back on.
      this.options.logger.error(
        { problems },
        'the policy file names practices this server does not serve; its other entries apply',
      );
    }
  }

  /**
   * What the policy in force names that the practice list does not have (empty before the list
   * is read): the start-up refuses to serve such a file once the list is known.
   */
  policyProblems(): string[] {
    return this.knownPractices ? unknownPractices(this.policy, this.knownPractices) : [];
  }

  /** Loads the policy and the first gate rows; then polls in the background. */
  async start(): Promise<void> {
    this.policy = await this.readPolicyFile();
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.pollSeconds * 1000);
    this.timer.unref();
    this.policyFile?.watch(() => this.reloadPolicy(), this.options.logger);
  }

  /** Tool names are always checked; practice keys once the practice list is known. */
  private readPolicyFile(): Promise<LocalPolicy> {
    if (!this.policyFile) return Promise.resolve(EMPTY_POLICY);
    const known = { practices: this.knownPractices, tools: this.options.knownTools };
    return this.policyFile.read((path) => loadPolicy(path, known));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.policyFile?.stop();
  }

  gatesFor(practiceId: string): PracticeGates {
    return {
      upstreamDisabled: this.upstream.get(practiceId) ?? new Set(),
      locallyDisabled: locallyDisabled(this.policy, practiceId),
      toolsetsOff: this.toolsetsOff(practiceId),
      upstreamKnown: this.loaded.has(practiceId),
      upstreamUnreadable: !this.options.localGatesOnly && this.unreadable.has(practiceId),
    };
  }

  private toolsetsOff(practiceId: string): Set<string> {
    const offered = this.options.toolsets ?? TOOLSETS;
    const off = toolsetsDisabled(this.policy, practiceId);
    for (const toolset of TOOLSETS) if (!offered.includes(toolset)) off.add(toolset);
    return off;
  }

  /** What the local policy switches off for a practice, as one comparable key. */
  private localKey(practiceId: string): string {
    return `${key(locallyDisabled(this.policy, practiceId))}\u0001${key(toolsetsDisabled(this.policy, practiceId))}`;
  }

  /** Ready once every practice's gate rows have been read (or found unreadable) at least once. */
  status(): {
    ready: boolean;
    pendingPracticeIds: string[];
    /** Practices whose gate rows the credential cannot read (write tools are off there unless localGatesOnly). */
    unreadablePracticeIds: string[];
    localGatesOnly: boolean;
    lastPollAt: Date | undefined;
  } {
    const pendingPracticeIds = this.practiceIds.filter((id) => !this.loaded.has(id));
    return {
      ready: pendingPracticeIds.length === 0,
      pendingPracticeIds,
      unreadablePracticeIds: this.practiceIds.filter((id) => this.unreadable.has(id)),
      localGatesOnly: this.options.localGatesOnly === true,
      lastPollAt: this.lastPollAt,
    };
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
    const before = new Map(this.practiceIds.map((id) => [id, this.localKey(id)]));
    try {
      this.policy = await this.readPolicyFile();
    } catch (error) {
      // Keep the last good policy whole: a half-written file, or one naming a tool or practice
      // this server does not know, must not switch tools back on.
      this.options.logger.error(
        { error: error instanceof PolicyFileError ? error.message : String(error) },
        'policy reload failed; keeping the previous policy',
      );
      return;
    }
    const changed = this.practiceIds.filter((id) => before.get(id) !== this.localKey(id));
    if (changed.length > 0) {
      this.options.logger.info({ practiceIds: changed }, 'local tool policy changed');
      this.emit(changed);
    }
  }

  private async pollOnce(): Promise<void> {
    const changed = new Set<string>();
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
            this.warnUnreadable(practiceId);
          }
          rows = [];
        } else {
          this.readOnce.add(practiceId);
          this.refusedNow.delete(practiceId);
          // Readable at last: write tools may come back, so the practice's sessions hear of it.
          if (this.unreadable.delete(practiceId) && !this.options.localGatesOnly) changed.add(practiceId);
        }
        this.loaded.add(practiceId);
        const disabled = new Set(rows.filter((row) => !row.enabled).map((row) => row.toolKey));
        if (key(disabled) !== key(this.upstream.get(practiceId) ?? new Set())) changed.add(practiceId);
        this.upstream.set(practiceId, disabled);
      }),
    );
    this.lastPollAt = new Date();
    if (changed.size > 0) {
      this.options.logger.info({ practiceIds: [...changed] }, 'upstream tool gates changed');
      this.emit([...changed]);
    }
  }

  private warnUnreadable(practiceId: string): void {
    if (this.options.localGatesOnly) {
      this.options.logger.warn(
        { practiceId },
        "the upstream credential cannot read Escape's tool gates; --local-gates-only: write tools are served on local policy alone, and a write the practice switched off in Escape is not seen",
      );
      return;
    }
    this.options.logger.warn(
      { practiceId },
      "the upstream credential cannot read Escape's tool gates: write tools stay off for this practice (reads go on). Give the credential read access to the gate rows, or start with --local-gates-only to accept the risk",
    );
  }

  private emit(changed: readonly string[]): void {
    for (const listener of this.listeners) listener(changed);
  }
}

const key = (names: ReadonlySet<string>) => [...names].sort().join(',');
