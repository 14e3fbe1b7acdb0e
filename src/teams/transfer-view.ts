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
  const count = job.files.filter((f) => f.state !== 'refused').length;
  const noun = count === 1 ? `“${job.files.find((f) => f.state !== 'refused')?.name ?? job.files[0]?.name ?? 'file'}”` : `${count} files`;
  const firstError = job.files.find((f) => f.state === 'failed')?.error;
  let headline: string;
  switch (job.state) {
    case 'running':
      headline = options.cancelling ? `Cancelling ${noun}…` : `Attaching ${noun} to “${job.target.taskTitle}”`;
      break;
    case 'done':
      headline = `Attached ${noun} to “${job.target.taskTitle}”`;
      break;
    case 'failed':
      headline = `Could not attach ${noun} to “${job.target.taskTitle}”`;
      break;
    case 'cancelled':
      headline = `Cancelled: nothing more was attached to “${job.target.taskTitle}”`;
      break;
    case 'waiting-sign-in':
      headline = options.cancelling ? `Cancelling ${noun}…` : `Waiting for you to sign in: ${noun} to “${job.target.taskTitle}”`;
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
  };
}

function fileLine(f: FileJob, bytesPerSecond: number | undefined, paused = false): TransferCardData['files'][number] {
  if (paused && (f.state === 'queued' || f.state === 'running')) {
    const total = f.size;
    const percent = total ? Math.min(100, Math.floor((f.bytesDone / Math.max(total, 1)) * 100)) : 0;
    const detail = f.bytesDone > 0 && total !== undefined ? `${formatBytes(f.bytesDone)} of ${formatBytes(total)} sent · continues where it stopped` : 'Starts after you sign in';
    return { name: f.name, state: f.state, stateText: 'Paused', percent, detail };
  }
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
  const startedOver = f.state === 'running' && (f.sessionRestarts ?? 0) > 0;
  return { name: f.name, state: f.state, stateText: STATE_TEXT[f.state], percent, detail, startedOver };
}
