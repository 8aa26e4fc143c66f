import { describe, expect, it } from 'vitest';
import { TaskRegistry, type TaskRun } from '../../../src/tasks/registry.js';

/** A work function the test finishes by hand, exposing the run it was given. */
function controllable<T>() {
  let finish!: (value: T) => void;
  let fail!: (error: unknown) => void;
  let run: TaskRun | undefined;
  const work = (given: TaskRun) => {
    run = given;
    return new Promise<T>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
  };
  return { work, finish: (v: T) => finish(v), fail: (e: unknown) => fail(e), run: () => run as TaskRun };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function started(registry: TaskRegistry, owner: string, work: (run: TaskRun) => Promise<unknown>) {
  const outcome = registry.start(owner, work);
  if (!outcome.ok) throw new Error('expected the task to start');
  return outcome.task;
}

describe('TaskRegistry', () => {
  it('is readable at once, reports progress, and completes with the work’s answer', async () => {
    const registry = new TaskRegistry();
    const job = controllable<{ content: unknown[] }>();
    const task = started(registry, 'alice', job.work);
    expect(registry.get('alice', task.taskId)?.status).toBe('working');
    await settle();
    job.run().report('2 of 3 practices read');
    expect(registry.get('alice', task.taskId)?.statusMessage).toBe('2 of 3 practices read');
    job.finish({ content: [{ type: 'text', text: 'done' }] });
    await settle();
    const done = registry.get('alice', task.taskId);
    expect(done?.status).toBe('completed');
    expect(done?.result).toEqual({ content: [{ type: 'text', text: 'done' }] });
  });

  it('keeps each principal’s tasks to that principal: another cannot read, answer or cancel them', async () => {
    const registry = new TaskRegistry();
    const job = controllable<unknown>();
    const task = started(registry, 'alice', job.work);
    await settle();
    expect(registry.get('mallory', task.taskId)).toBeUndefined();
    expect(registry.cancel('mallory', task.taskId)).toBe(false);
    expect(registry.answer('mallory', task.taskId, {})).toBe(false);
    expect(job.run().signal.aborted).toBe(false);
    expect(registry.get('alice', task.taskId)?.status).toBe('working');
  });

  it('cancels: the status is cancelled at once, the work’s signal aborts, and a late answer changes nothing', async () => {
    const registry = new TaskRegistry();
    const job = controllable<unknown>();
    const task = started(registry, 'alice', job.work);
    await settle();
    expect(registry.cancel('alice', task.taskId)).toBe(true);
    expect(job.run().signal.aborted).toBe(true);
    job.finish({ content: [] });
    await settle();
    expect(registry.get('alice', task.taskId)?.status).toBe('cancelled');
    expect(registry.get('alice', task.taskId)?.result).toBeUndefined();
    // Cancelling a finished task is an acknowledgement, not an error.
    expect(registry.cancel('alice', task.taskId)).toBe(true);
  });

  it('fails with a protocol error’s code and message, and hides anything else behind a fixed message', async () => {
    const registry = new TaskRegistry();
    const coded = controllable<unknown>();
    const other = controllable<unknown>();
    const a = started(registry, 'alice', coded.work);
    const b = started(registry, 'alice', other.work);
    await settle();
    coded.fail(Object.assign(new Error('boom'), { code: -32603 }));
    other.fail(new Error('secret detail from a stack'));
    await settle();
    expect(registry.get('alice', a.taskId)?.error).toEqual({ code: -32603, message: 'boom' });
    expect(registry.get('alice', b.taskId)?.error?.message).not.toContain('secret');
  });

  it('waits for every input request, showing only the unanswered ones, then resumes with all answers', async () => {
    const registry = new TaskRegistry();
    let answers: Record<string, unknown> | undefined;
    const task = started(registry, 'alice', async (run) => {
      answers = await run.input({ first: { method: 'elicitation/create' }, second: { method: 'elicitation/create' } });
      return { content: [] };
    });
    await settle();
    expect(registry.get('alice', task.taskId)?.status).toBe('input_required');
    registry.answer('alice', task.taskId, { first: { action: 'accept' }, stray: { action: 'accept' } });
    const waiting = registry.get('alice', task.taskId);
    expect(waiting?.status).toBe('input_required');
    expect(Object.keys(waiting?.inputRequests ?? {})).toEqual(['second']);
    registry.answer('alice', task.taskId, { second: { action: 'decline' } });
    await settle();
    expect(answers).toEqual({ first: { action: 'accept' }, second: { action: 'decline' } });
    expect(registry.get('alice', task.taskId)?.status).toBe('completed');
  });

  it('bounds the tasks one principal has running, not other principals', async () => {
    const registry = new TaskRegistry({ activePerPrincipal: 2 });
    const never = () => new Promise<unknown>(() => {});
    started(registry, 'alice', never);
    const second = started(registry, 'alice', never);
    expect(registry.start('alice', never)).toEqual({ ok: false, reason: 'too_many', limit: 2 });
    expect(registry.start('bob', never).ok).toBe(true);
    registry.cancel('alice', second.taskId);
    expect(registry.start('alice', never).ok).toBe(true);
  });

  it('forgets a finished task once its TTL has passed since its last change, not before', async () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const registry = new TaskRegistry({ ttlMs: 60_000 }, () => now);
    const task = started(registry, 'alice', async () => ({ content: [] }));
    await settle();
    now += 60_000;
    expect(registry.get('alice', task.taskId)?.status).toBe('completed');
    now += 1;
    expect(registry.get('alice', task.taskId)).toBeUndefined();
  });

  it('on close, fails what is still running with a message saying so, aborts its work, and starts nothing more', async () => {
    const registry = new TaskRegistry();
    const job = controllable<unknown>();
    const running = started(registry, 'alice', job.work);
    const finished = started(registry, 'alice', async () => ({ content: [] }));
    await settle();
    registry.close();
    expect(job.run().signal.aborted).toBe(true);
    expect(registry.get('alice', running.taskId)?.status).toBe('failed');
    expect(registry.get('alice', running.taskId)?.error?.message).toContain('stopped before the task finished');
    expect(registry.get('alice', finished.taskId)?.status).toBe('completed');
    expect(registry.start('alice', async () => ({})).ok).toBe(false);
  });
});
