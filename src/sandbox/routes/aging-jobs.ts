/**
 * Aging-report jobs (L4587, L4597): "Kick off an async aging report computation." The spec
 * documents only the two POST routes (no body, no answer, no poll); the protocol here is invented
 * (ASSUMPTIONS §16) and its pace is the `agingJobs` quirk: create → 202 with a poll URL, poll with
 * GET until `complete` (the result is the synchronous aging report's body), cancel with DELETE.
 */
import { badRequest, conflict, notFound } from '../http/errors.js';
import { bodyObject, DATE_FORMAT_ERROR, practiceToday, renderStamp } from '../http/helpers.js';
import type { Quirks, RouteOptions, Router, SandboxRequest } from '../http/types.js';
import { isLocalDate } from '../ledger/dates.js';
import type { LocalDate, PracticeData, Uuid } from '../model.js';
import type { SandboxStore } from '../store.js';
import { P } from './appointments.js';
import { agingBody } from './billing.js';

const REPORTS: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['reports:read'] };

/** Polls a `steps` job takes to finish: queued → running 33 → running 67 → complete. */
const STEPS = 3;

interface AgingJob {
  id: Uuid;
  practiceId: Uuid;
  asOfDate: LocalDate;
  includeArchived: boolean;
  mode: Quirks['agingJobs'];
  status: 'queued' | 'running' | 'complete' | 'failed' | 'cancelled';
  polls: number;
  createdMs: number;
  finishedMs: number | null;
  result: unknown;
}

const jobsByStore = new WeakMap<SandboxStore, Map<Uuid, AgingJob>>();

function jobsOf(store: SandboxStore): Map<Uuid, AgingJob> {
  let jobs = jobsByStore.get(store);
  if (!jobs) {
    jobs = new Map();
    jobsByStore.set(store, jobs);
  }
  return jobs;
}

function progress(job: AgingJob): number {
  if (job.status === 'complete') return 100;
  if (job.mode === 'stuck' && job.status === 'running') return 50;
  return Math.min(99, Math.round((job.polls * 100) / STEPS));
}

function render(req: SandboxRequest, job: AgingJob) {
  const pollUrl = `${req.baseUrl}/api/v1/practice/${job.practiceId}/billing/reports/aging/jobs/${job.id}/`;
  return {
    id: job.id,
    status: job.status,
    progress: progress(job),
    as_of_date: job.asOfDate,
    include_archived: job.includeArchived,
    created: renderStamp(job.createdMs),
    finished_at: renderStamp(job.finishedMs),
    poll_url: pollUrl,
    result: job.status === 'complete' ? job.result : null,
    error: job.status === 'failed' ? 'The aging computation failed; start a new job.' : null,
  };
}

function finish(store: SandboxStore, req: SandboxRequest, job: AgingJob, status: 'complete' | 'failed'): void {
  job.status = status;
  job.finishedMs = Math.floor(req.nowMs / 1000) * 1000;
  if (status === 'complete') job.result = agingBody(store, req, job.asOfDate, job.includeArchived);
}

/** One poll moves the job one step under `steps`/`failed`; `stuck` never finishes; `instant` is already done. */
function advance(store: SandboxStore, req: SandboxRequest, job: AgingJob): void {
  if (job.status !== 'queued' && job.status !== 'running') return;
  job.polls += 1;
  if (job.mode === 'stuck') {
    job.status = 'running';
    return;
  }
  if (job.polls < STEPS) job.status = 'running';
  else finish(store, req, job, job.mode === 'failed' ? 'failed' : 'complete');
}

function start(store: SandboxStore, req: SandboxRequest, asOfDate: string | undefined) {
  const data = req.practiceData as PracticeData;
  const body = bodyObject(req);
  const asOf = asOfDate ?? (typeof body.as_of_date === 'string' ? body.as_of_date : undefined);
  if (asOf !== undefined && !isLocalDate(asOf)) throw badRequest({ as_of_date: [DATE_FORMAT_ERROR] });
  if (body.as_of_date !== undefined && body.as_of_date !== null && typeof body.as_of_date !== 'string') {
    throw badRequest({ as_of_date: [DATE_FORMAT_ERROR] });
  }
  const archived = body.include_archived;
  if (archived !== undefined && typeof archived !== 'boolean') {
    throw badRequest({ include_archived: ['Must be a valid boolean.'] });
  }
  const job: AgingJob = {
    id: store.newId(),
    practiceId: data.practice.id,
    asOfDate: asOf ?? practiceToday(req),
    includeArchived: archived ?? false,
    mode: req.quirks.agingJobs,
    status: 'queued',
    polls: 0,
    createdMs: Math.floor(req.nowMs / 1000) * 1000,
    finishedMs: null,
    result: null,
  };
  if (job.mode === 'instant') finish(store, req, job, 'complete');
  jobsOf(store).set(job.id, job);
  store.count('aging_job_created');
  const answer = render(req, job);
  return { status: 202, body: answer, headers: { Location: answer.poll_url } };
}

function findJob(store: SandboxStore, req: SandboxRequest): AgingJob {
  const job = jobsOf(store).get(req.params.job_id as string);
  // A job of another practice is a cross-tenant id: 404.
  if (!job || job.practiceId !== (req.practiceData as PracticeData).practice.id) throw notFound();
  return job;
}

export function registerAgingJobRoutes(router: Router, store: SandboxStore): void {
  const jobs = `${P}/billing/reports/aging/jobs/`;
  router.post(jobs, REPORTS, (req) => start(store, req, undefined));
  // practice_billing_reports_aging_jobs_create_2 (L4597): the same kick-off, the date in the path.
  router.post(`${jobs}{as_of_date}/`, REPORTS, (req) => start(store, req, req.params.as_of_date));

  router.get(`${jobs}{job_id}/`, REPORTS, (req) => {
    const job = findJob(store, req);
    advance(store, req, job);
    return { status: 200, body: render(req, job) };
  });

  router.delete(`${jobs}{job_id}/`, REPORTS, (req) => {
    const job = findJob(store, req);
    if (job.status !== 'queued' && job.status !== 'running') {
      throw conflict({ detail: `The job is already ${job.status}.` });
    }
    job.status = 'cancelled';
    job.finishedMs = Math.floor(req.nowMs / 1000) * 1000;
    return { status: 204 };
  });
}
