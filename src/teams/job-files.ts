import type { AlreadyAttachedCardData } from '../cards/view-models';
import { MAX_ATTACHMENT_BYTES } from '../errors';
import { randomUUID } from 'node:crypto';
import type { FileJob, TransferJob } from '../jobs/job';
import type { AlreadyThere, JobTarget, PlannedFile } from './attach-plan';
import type { FileOffer } from './file-offers';
import type { Requester } from './requester';

/** A job's record of a planned file: uploaded (under its planned name) or linked. */
export function plannedJobFile(p: PlannedFile): FileJob {
  const o = p.offer;
  return {
    name: o.name,
    ...(p.attachName !== undefined ? { attachName: p.attachName } : {}),
    ...(o.linkOnly ? { mode: 'link' as const, webUrl: o.webUrl } : {}),
    ...(o.sourceKey !== undefined ? { sourceKey: o.sourceKey } : {}),
    contentType: o.contentType,
    size: o.size,
    source: o.source,
    state: 'queued',
    bytesDone: 0,
  };
}

/** A file that cannot go on the task at all: shown on the transfer card with the reason. */
export function refusedJobFile(o: FileOffer): FileJob {
  const code = o.size !== undefined && o.size > MAX_ATTACHMENT_BYTES ? 'FILE_TOO_LARGE' : 'REFUSED';
  return { name: o.name, contentType: o.contentType, size: o.size, source: o.source, state: 'refused', bytesDone: 0, error: { code, message: o.refusal ?? 'This file cannot be attached.' } };
}

/** The card that says which chosen files are already on the task (chat card or dialog). */
export function alreadyAttachedView(id: string, dialog: boolean, target: JobTarget, already: readonly AlreadyThere[], chosen: number): AlreadyAttachedCardData {
  const only = already[0];
  const headline =
    already.length === 1 && chosen === 1 && only
      ? `“${only.name}” is ${only.detail.startsWith('being') ? 'being attached to this task already' : 'already on this task'}`
      : already.length === chosen
        ? `These ${chosen} files are already on this task`
        : `${already.length} of these ${chosen} files ${already.length === 1 ? 'is' : 'are'} already on this task`;
  return {
    dialog,
    id,
    headline,
    taskTitle: target.taskTitle,
    listName: target.listName,
    files: already.map((a) => ({ name: a.name, detail: a.detail })),
    others: chosen - already.length,
  };
}

/** A new transfer of these files to the task, its card where `card` says (running, not yet saved). */
export function newTransferJob(requester: Requester, target: JobTarget, files: FileJob[], card: TransferJob['card']): TransferJob {
  const now = new Date().toISOString();
  return {
    version: 1,
    id: randomUUID().replace(/-/g, ''),
    userId: requester.userId,
    aadObjectId: requester.aadObjectId,
    tenantId: requester.tenantId,
    card,
    target,
    files,
    state: 'running',
    createdAt: now,
    updatedAt: now,
  };
}
