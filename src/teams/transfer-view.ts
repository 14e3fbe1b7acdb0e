import { formatBytes, formatDuration, formatSpeed } from '../cards/format';
import type { TransferCardData } from '../cards/view-models';
import type { FileJob, TransferJob } from '../jobs/job';
import type { LiveProgress } from '../jobs/runner';

const STATE_TEXT: Record<FileJob['state'], string> = {
  queued: 'Waiting',
  running: 'Uploading',
  done: 'Attached',
  failed: 'Failed',
  cancelled: 'Cancelled',
  refused: 'Not attached',
};

/** The view model of a transfer card, from the job record and live speed figures. */
export function transferView(job: TransferJob, live: LiveProgress, options: { taskUrl?: string; cancelling?: boolean } = {}): TransferCardData {
  const files = job.files.map((f, i) => fileLine(f, live.get(i)?.bytesPerSecond, job.state === 'waiting-sign-in'));
  const going = job.files.filter((f) => f.state !== 'refused');
  const uploads = going.filter((f) => f.mode !== 'link');
  const links = going.filter((f) => f.mode === 'link');
  const nounOf = (list: readonly FileJob[]): string => (list.length === 1 ? `“${list[0]?.name ?? 'file'}”` : `${list.length} files`);
  const noun = going.length === 0 ? `“${job.files[0]?.name ?? 'file'}”` : nounOf(going);
  const task = `“${job.target.taskTitle}”`;
  const firstError = job.files.find((f) => f.state === 'failed')?.error;
  let headline: string;
  switch (job.state) {
    case 'running':
      headline = options.cancelling ? `Cancelling ${noun}…` : uploads.length === 0 ? `Linking ${noun} to ${task}` : `Attaching ${noun} to ${task}`;
      break;
    case 'done':
      headline =
        uploads.length === 0
          ? `Linked ${nounOf(links)} to ${task}`
          : links.length === 0
            ? `Attached ${nounOf(uploads)} to ${task}`
            : `Attached ${nounOf(uploads)} and linked ${nounOf(links)} to ${task}`;
      break;
    case 'failed':
      headline = uploads.length === 0 && links.length > 0 ? `Could not link ${noun} to ${task}` : `Could not attach ${noun} to ${task}`;
      break;
    case 'cancelled':
      headline = `Cancelled: nothing more was attached to ${task}`;
      break;
    case 'waiting-sign-in':
      headline = options.cancelling ? `Cancelling ${noun}…` : `Waiting for you to sign in: ${noun} to ${task}`;
      break;
  }
  const waiting = job.state === 'waiting-sign-in' && !options.cancelling;
  return {
    transferId: job.id,
    state: job.state,
    headline,
    taskTitle: job.target.taskTitle,
    listName: job.target.listName,
    taskUrl: job.state === 'done' ? options.taskUrl : undefined,
    files,
    errorText: job.state === 'failed' ? firstError?.message : undefined,
    requestId: job.state === 'failed' ? firstError?.requestId : undefined,
    canCancel: (job.state === 'running' || job.state === 'waiting-sign-in') && !options.cancelling,
    canRetry: job.state === 'failed' || job.state === 'cancelled',
    waitingText: waiting ? 'Your sign-in to Microsoft To Do ended, so this transfer is paused. Press Sign in: it continues where it stopped.' : undefined,
    canSignIn: waiting,
    summary: job.files.length > 1 ? batchSummary(job.files) : undefined,
  };
}

/** One line for a batch: '3 of 4 attached, 1 too large (linked)'. */
export function batchSummary(files: readonly FileJob[]): string {
  const count = (p: (f: FileJob) => boolean): number => files.filter(p).length;
  const attached = count((f) => f.state === 'done' && f.mode !== 'link');
  const parts = [`${attached} of ${files.length} attached`];
  const add = (n: number, text: string): void => {
    if (n > 0) parts.push(`${n} ${text}`);
  };
  add(count((f) => f.state === 'done' && f.mode === 'link'), 'too large (linked)');
  add(count((f) => f.state === 'refused' && f.error?.code === 'FILE_TOO_LARGE'), 'too large');
  add(count((f) => f.state === 'refused' && f.error?.code !== 'FILE_TOO_LARGE'), 'not attachable');
  add(count((f) => f.state === 'failed'), 'failed');
  add(count((f) => f.state === 'cancelled'), 'cancelled');
  add(count((f) => f.state === 'queued' || f.state === 'running'), 'to go');
  return parts.join(', ');
}

function fileLine(f: FileJob, bytesPerSecond: number | undefined, paused = false): TransferCardData['files'][number] {
  if (paused && (f.state === 'queued' || f.state === 'running')) {
    const total = f.size;
    const percent = total ? Math.min(100, Math.floor((f.bytesDone / Math.max(total, 1)) * 100)) : 0;
    const detail = f.bytesDone > 0 && total !== undefined ? `${formatBytes(f.bytesDone)} of ${formatBytes(total)} sent · continues where it stopped` : 'Starts after you sign in';
    return { name: f.name, state: f.state, stateText: 'Paused', percent, detail };
  }
  if (f.mode === 'link') return linkLine(f);
  const total = f.size;
  const percent = f.state === 'done' ? 100 : total ? Math.min(100, Math.floor((f.bytesDone / Math.max(total, 1)) * 100)) : 0;
  let detail: string;
  switch (f.state) {
    case 'running': {
      const parts = [total === undefined ? 'Starting…' : `${formatBytes(f.bytesDone)} of ${formatBytes(total)}`];
      if (bytesPerSecond && bytesPerSecond > 0) {
        parts.push(formatSpeed(bytesPerSecond));
        if (total !== undefined) parts.push(`about ${formatDuration(((total - f.bytesDone) / bytesPerSecond) * 1000)} left`);
      }
      detail = parts.join(' · ');
      break;
    }
    case 'done':
      detail = total === undefined ? 'Attached' : formatBytes(total);
      break;
    case 'failed':
    case 'refused':
      detail = f.error?.message ?? 'Not attached.';
      break;
    case 'cancelled':
      detail = 'Cancelled before it finished. Nothing was attached.';
      break;
    case 'queued':
      detail = total === undefined ? 'Waiting to start' : `Waiting to start · ${formatBytes(total)}`;
      break;
  }
  // A namesake was on the task: say which name this one has there.
  if (f.attachName !== undefined && f.attachName !== f.name && f.state !== 'failed' && f.state !== 'cancelled') {
    detail = `${detail} · ${f.state === 'done' ? 'attached' : 'goes'} as “${f.attachName}” (the task has another “${f.name}”)`;
  }
  const startedOver = f.state === 'running' && (f.sessionRestarts ?? 0) > 0;
  return { name: f.name, state: f.state, stateText: STATE_TEXT[f.state], percent, detail, startedOver };
}

/** A file too large to attach that goes on the task as a link (its bytes never move). */
function linkLine(f: FileJob): TransferCardData['files'][number] {
  const size = f.size === undefined ? '' : ` (${formatBytes(f.size)})`;
  const text: Record<FileJob['state'], [string, string]> = {
    queued: ['Waiting', `Too large to attach${size}: a link to it goes on the task`],
    running: ['Linking', `Too large to attach${size}: adding a link to it`],
    done: ['Linked', `Too large to attach${size}: the task links to it and its note says where it is`],
    failed: ['Failed', f.error?.message ?? 'The link could not be added.'],
    cancelled: ['Cancelled', 'Cancelled before the link was added.'],
    refused: ['Not attached', f.error?.message ?? 'Not attached.'],
  };
  const [stateText, detail] = text[f.state];
  return { name: f.name, state: f.state, stateText, percent: f.state === 'done' ? 100 : 0, detail };
}
