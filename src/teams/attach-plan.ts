import { formatWhen } from '../cards/format';
import type { TaskRef } from '../graph/client';
import { nextFreeName, sameName } from '../jobs/attachment-names';
import type { TransferJob } from '../jobs/job';
import type { AttachmentSummary } from '../upload/types';
import type { FileOffer } from './file-offers';

/**
 * "Already on this task" (issue 14 §2), decided before anything is uploaded. A chosen file is
 * already there when the task has an attachment with its name and size, unless both SHA-256s
 * are known and differ; or, whatever its name, when both are known and equal. SHA-256s are
 * known from our own transfers (the job store): the attachment one made, and an earlier
 * transfer of the same Teams or SharePoint file. A file still being attached to the task by
 * another transfer counts too. Every other file gets a name no attachment or transfer of the
 * task has ("name (2).ext"), which is also the name the upload's duplicate guard looks for.
 */

export type JobTarget = TransferJob['target'];

/** What Attach was pressed for, kept while the card asks about files already on the task. */
export interface PendingAttach {
  target: JobTarget;
  /** The chosen files (their ids on the picker or dialog). */
  fileIds: string[];
  /** Dialog only: link the task to the message when the files go. */
  linkToMessage?: boolean;
  /** The task was created for this Attach (a new task has no attachments). */
  newTask?: boolean;
}

export interface ChosenFile {
  fileId: string;
  offer: FileOffer;
}

export interface PlannedFile extends ChosenFile {
  /** Set when the task already has (or a running transfer will give it) a file of this name. */
  attachName?: string;
}

export interface AlreadyThere {
  fileId: string;
  name: string;
  /** 'already on this task (attached 12 Mar 2026, 14:05 UTC)'. */
  detail: string;
}

export interface AttachPlan {
  /** What goes now: files to upload (each with a free name) and links. */
  files: PlannedFile[];
  /** Files already on the task (left out unless `force`). */
  already: AlreadyThere[];
}

export interface PlanDeps {
  listAttachments(target: TaskRef, signal: AbortSignal): Promise<AttachmentSummary[]>;
  /** This user's transfers (the job store): what we attached, and what is on its way. */
  jobs: readonly TransferJob[];
}

interface InFlight {
  name: string;
  size: number | undefined;
  sourceKey: string | undefined;
}

export async function planAttach(
  deps: PlanDeps,
  target: JobTarget,
  chosen: readonly ChosenFile[],
  options: { force?: boolean; newTask?: boolean; signal: AbortSignal },
): Promise<AttachPlan> {
  const uploads = chosen.filter((c) => c.offer.refusal === undefined && !c.offer.linkOnly);
  const attachments = uploads.length === 0 || options.newTask ? [] : await deps.listAttachments(target, options.signal);
  const known = knownHashes(deps.jobs, target);
  const inFlight = filesOnTheirWay(deps.jobs, target);
  const taken = [...attachments.map((a) => a.name), ...inFlight.map((f) => f.name)];
  const plan: AttachPlan = { files: [], already: [] };
  for (const c of chosen) {
    if (c.offer.refusal !== undefined) continue;
    if (c.offer.linkOnly) {
      plan.files.push(c);
      continue;
    }
    const there = alreadyThere(c.offer, attachments, inFlight, known);
    if (there !== undefined && !options.force) {
      plan.already.push({ fileId: c.fileId, name: c.offer.name, detail: there });
      continue;
    }
    const name = nextFreeName(c.offer.name, taken);
    taken.push(name);
    plan.files.push(name === c.offer.name ? c : { ...c, attachName: name });
  }
  return plan;
}

interface KnownHashes {
  /** SHA-256 of attachments our transfers made, by attachment id. */
  byAttachment: Map<string, string>;
  /** SHA-256 and size of files our transfers read, by source key. */
  bySource: Map<string, { sha256: string; size: number | undefined }>;
}

function knownHashes(jobs: readonly TransferJob[], target: JobTarget): KnownHashes {
  const byAttachment = new Map<string, string>();
  const bySource = new Map<string, { sha256: string; size: number | undefined }>();
  for (const job of jobs) {
    for (const f of job.files) {
      if (f.state !== 'done' || f.sha256 === undefined) continue;
      if (f.sourceKey !== undefined) bySource.set(f.sourceKey, { sha256: f.sha256, size: f.size });
      if (f.attachmentId !== undefined && job.target.listId === target.listId && job.target.taskId === target.taskId) byAttachment.set(f.attachmentId, f.sha256);
    }
  }
  return { byAttachment, bySource };
}

function filesOnTheirWay(jobs: readonly TransferJob[], target: JobTarget): InFlight[] {
  const out: InFlight[] = [];
  for (const job of jobs) {
    if ((job.state !== 'running' && job.state !== 'waiting-sign-in') || job.target.taskId !== target.taskId || job.target.listId !== target.listId) continue;
    for (const f of job.files) {
      if ((f.state === 'queued' || f.state === 'running') && f.mode !== 'link') out.push({ name: f.attachName ?? f.name, size: f.size, sourceKey: f.sourceKey });
    }
  }
  return out;
}

/** Why the file counts as already there (the sentence the card shows), or undefined. */
function alreadyThere(offer: FileOffer, attachments: readonly AttachmentSummary[], inFlight: readonly InFlight[], known: KnownHashes): string | undefined {
  const source = offer.sourceKey === undefined ? undefined : known.bySource.get(offer.sourceKey);
  // The same file transferred before, with the same size: its SHA-256 is the file's.
  const fileHash = source !== undefined && source.size === offer.size ? source.sha256 : undefined;
  const verdict = (attachmentHash: string | undefined): 'same' | 'different' | 'unknown' =>
    fileHash === undefined || attachmentHash === undefined ? 'unknown' : fileHash === attachmentHash ? 'same' : 'different';
  // Whatever its name: the very same bytes are on the task.
  const sameBytes = attachments.find((a) => a.size === offer.size && verdict(known.byAttachment.get(a.id)) === 'same');
  const namesake = attachments.find((a) => sameName(a.name, offer.name) && offer.size !== undefined && a.size === offer.size && verdict(known.byAttachment.get(a.id)) !== 'different');
  const found = sameBytes ?? namesake;
  if (found) {
    const when = formatWhen(found.lastModifiedDateTime);
    const as = sameName(found.name, offer.name) ? '' : ` as “${found.name}”`;
    return `already on this task${as}${when ? ` (attached ${when})` : ''}`;
  }
  // The same file (or one of its name) of the same size, on its way to the task right now.
  const coming = inFlight.find(
    (f) => offer.size !== undefined && f.size === offer.size && ((offer.sourceKey !== undefined && f.sourceKey === offer.sourceKey) || sameName(f.name, offer.name)),
  );
  return coming ? 'being attached to this task right now' : undefined;
}
