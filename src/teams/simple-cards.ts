import { renderCard, type AdaptiveCardJson } from '../cards/render';
import type { TransferJob } from '../jobs/job';

export function noticeCard(title: string, text: string, tone: 'default' | 'attention' | 'good' = 'default'): AdaptiveCardJson {
  return renderCard('notice', { title, text, tone });
}

export function helpCard(): AdaptiveCardJson {
  return renderCard('help', {
    title: 'Attach Teams files to your Microsoft To Do tasks',
    intro: 'Send me a file and I will put it on a task in Microsoft To Do, without downloading it yourself.',
    steps: [
      'Send or forward a file to me in this chat.',
      'Pick a list and a task, or type a title to create a new task.',
      'Press Attach. This card shows the progress and a link to the task when it is done.',
      'On a message in any chat or channel, choose … → Attach to To Do to attach its files.',
    ],
    commands: [
      { name: 'help', description: 'Show this card.' },
      { name: 'status', description: 'List your recent transfers and how they are going.' },
      { name: 'cancel', description: 'Cancel every transfer you have running.' },
      { name: 'sign out', description: 'Sign out of Microsoft To Do; running transfers pause until you sign in again.' },
    ],
  });
}

const STATE_TEXT: Record<TransferJob['state'], string> = {
  running: 'In progress',
  'waiting-sign-in': 'Waiting for you to sign in',
  done: 'Attached',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function statusCard(jobs: readonly TransferJob[]): AdaptiveCardJson {
  const recent = [...jobs].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 10);
  return renderCard('status', {
    title: 'Your transfers',
    empty: recent.length === 0,
    emptyText: 'You have no transfers yet. Send me a file to start one.',
    transfers: recent.map((job) => {
      const done = job.files.filter((f) => f.state === 'done').length;
      return {
        files: job.files.map((f) => f.name).join(', '),
        taskTitle: job.target.taskTitle,
        stateText: STATE_TEXT[job.state],
        detail: `${done} of ${job.files.length} attached · started ${job.createdAt.slice(0, 16).replace('T', ' ')} UTC`,
      };
    }),
  });
}
