/**
 * The front desk's playbooks (issue 17 item 5): which tools to call, in order, with which
 * arguments. Plain data; `src/mcp/prompts.ts` offers each as an MCP prompt and the `playbook`
 * tool returns the same text to clients that do not show prompts.
 */

export type PlaybookArgumentName = 'practice' | 'provider' | 'date';

export interface PlaybookArgument {
  name: PlaybookArgumentName;
  description: string;
}

export interface PlaybookStep {
  tool: string;
  /** The call's arguments: `{practice}`, `{provider}` and `{date}` stand for the prompt's arguments. */
  args: Readonly<Record<string, string | number>>;
  /** What the step is for and what to do with its answer. */
  purpose: string;
}

export interface Playbook {
  name: string;
  title: string;
  description: string;
  arguments: readonly PlaybookArgument[];
  goal: string;
  steps: readonly PlaybookStep[];
  rules: readonly string[];
}

const PRACTICE: PlaybookArgument = {
  name: 'practice',
  description: 'Practice name or id (omit when the server serves one).',
};
const PROVIDER: PlaybookArgument = { name: 'provider', description: 'Only this provider, by name (optional).' };
const DATE: PlaybookArgument = { name: 'date', description: 'Day, YYYY-MM-DD (default: today).' };

const CONFIRMED_WRITES =
  'Writes (book_appointment, log_contact) ask the person to confirm; never pass confirm: true unless the person saw the summary and said yes.';

export const PLAYBOOKS: readonly Playbook[] = [
  {
    name: 'morning-huddle',
    title: 'Morning huddle',
    description: "The day's huddle: schedule, what needs attention, gaps to fill and recall calls to make.",
    arguments: [PRACTICE, DATE, PROVIDER],
    goal: 'Prepare the morning huddle for {practice} on {date}.',
    steps: [
      {
        tool: 'day_brief',
        args: { practice: '{practice}', date: '{date}' },
        purpose:
          'Summarise the schedule by provider, then every attention row (unconfirmed, insurance not verified, balance due, first visit, medical alert flag) with its one action, and production against goal.',
      },
      {
        tool: 'fill_opening',
        args: {
          practice: '{practice}',
          provider: '{provider}',
          start: '<gap start from day_brief>',
          minutes: '<gap length>',
        },
        purpose: 'For each open gap of 30 minutes or more: name the top two candidates and why.',
      },
      {
        tool: 'recall_worklist',
        args: { practice: '{practice}', limit: 10 },
        purpose: 'List the recall calls to make today (rows whose action is call), most overdue first.',
      },
    ],
    rules: ['Keep the huddle to one screen: at most ten bullets per section.', 'Show medical alerts as flags only.'],
  },
  {
    name: 'fill-todays-gaps',
    title: "Fill today's gaps",
    description: 'Find the open gaps in the day and fill each with the best-fitting patient.',
    arguments: [PRACTICE, PROVIDER, DATE],
    goal: 'Fill the open gaps at {practice} on {date}{for provider}.',
    steps: [
      {
        tool: 'day_brief',
        args: { practice: '{practice}', date: '{date}' },
        purpose: 'Take the open gaps of 30 minutes or more{of provider}.',
      },
      {
        tool: 'fill_opening',
        args: { practice: '{practice}', provider: '{provider}', start: '<gap start>', minutes: '<gap length>' },
        purpose: 'For each gap, show the ranked candidates with their reasons; the person picks one.',
      },
      {
        tool: 'find_spot',
        args: {
          practice: '{practice}',
          providers: '[{provider}]',
          start_date: '{date}',
          end_date: '{date}',
          duration_minutes: '<visit length>',
        },
        purpose: 'Check the gap is still open for the visit length just before booking.',
      },
      {
        tool: 'book_appointment',
        args: {
          practice: '{practice}',
          patient_id: '<candidate patient_id>',
          start: '<gap start>',
          provider: '{provider}',
          duration_minutes: '<visit length>',
        },
        purpose: 'Book the chosen candidate with the arguments fill_opening gave; the person confirms.',
      },
    ],
    rules: [CONFIRMED_WRITES, 'If no candidate fits a gap, say so and leave it open.'],
  },
  {
    name: 'recall-calls',
    title: 'Recall calls',
    description: 'Work through the recall list: call, record each attempt, book those who say yes.',
    arguments: [PRACTICE, PROVIDER],
    goal: 'Work the recall calls for {practice}{for provider}.',
    steps: [
      {
        tool: 'recall_worklist',
        args: { practice: '{practice}' },
        purpose: 'Go through the rows whose action is call, most overdue first; pass next_cursor for more.',
      },
      {
        tool: 'log_contact',
        args: {
          practice: '{practice}',
          recall_id: '<row recall_id>',
          mode: 'phone',
          outcome: '<success | no_answer | voicemail | bad_number | other>',
        },
        purpose: 'Record every attempt right after the call; the person confirms.',
      },
      {
        tool: 'find_spot',
        args: { practice: '{practice}', providers: '[{provider}]', duration_minutes: 60 },
        purpose: 'When the patient wants to come in, offer two or three times.',
      },
      {
        tool: 'book_appointment',
        args: {
          practice: '{practice}',
          patient_id: '<row patient_id>',
          start: '<chosen slot start>',
          provider: '<slot provider_id>',
          duration_minutes: 60,
        },
        purpose: 'Book the time the patient chose; the person confirms.',
      },
    ],
    rules: [
      CONFIRMED_WRITES,
      'Never contact rows marked do_not_contact; wait on rows contacted within the week; never text a patient without SMS consent.',
    ],
  },
];

export function playbookNamed(name: string): Playbook | undefined {
  return PLAYBOOKS.find((playbook) => playbook.name === name);
}

/** The playbook as text, its arguments filled in (an argument not given reads as a default). */
export function renderPlaybook(playbook: Playbook, given: Partial<Record<PlaybookArgumentName, string>>): string {
  const value = (name: PlaybookArgumentName): string | undefined => given[name]?.trim() || undefined;
  const words = (text: string) =>
    text
      .replaceAll('{for provider}', value('provider') ? ` for ${value('provider')}` : '')
      .replaceAll('{of provider}', value('provider') ? ` of ${value('provider')}` : '')
      .replaceAll('{practice}', value('practice') ?? 'the practice')
      .replaceAll('{date}', value('date') ?? 'today')
      .replaceAll('{provider}', value('provider') ?? 'the provider');
  const callArgs = (args: PlaybookStep['args']) =>
    Object.entries(args)
      .map(([key, raw]) => {
        if (typeof raw === 'number') return [key, raw] as const;
        const placeholder = /^\[?\{(practice|provider|date)\}\]?$/.exec(raw);
        if (!placeholder) return [key, raw] as const;
        const filled = value(placeholder[1] as PlaybookArgumentName);
        if (filled === undefined) return undefined;
        return [key, raw.startsWith('[') ? [filled] : filled] as const;
      })
      .filter((entry) => entry !== undefined)
      .map(([key, v]) => `${key}: ${JSON.stringify(v)}`)
      .join(', ');
  return [
    `${words(playbook.goal)} Call these tools in order:`,
    ...playbook.steps.map((step, i) => `${i + 1}. ${step.tool} { ${callArgs(step.args)} } — ${words(step.purpose)}`),
    ...playbook.rules.map((rule) => `- ${rule}`),
  ].join('\n');
}
