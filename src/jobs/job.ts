import { z } from 'zod';

/**
 * One durable record per transfer (a card's worth of files going to one task). Written to
 * DATA_DIR after every state change, so a restart (even kill -9) resumes from the stored
 * upload session. The record holds download and upload URLs: DATA_DIR files are written with
 * mode 0600, the records are never logged, download URLs leave the record when the job ends,
 * and ended records are deleted after the retention period (src/jobs/retention.ts).
 */

export const FILE_STATES = ['queued', 'running', 'done', 'failed', 'cancelled', 'refused'] as const;
export type FileState = (typeof FILE_STATES)[number];

/** `waiting-sign-in`: paused (upload session kept) until its user signs in again; not a failure. */
export const JOB_STATES = ['running', 'waiting-sign-in', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

const SourceSchema = z.discriminatedUnion('kind', [
  /**
   * A Teams `file.download.info` attachment: pre-authorized, short-lived URL (a secret). Absent
   * once the job has ended (src/jobs/retention.ts): the file must then be sent again.
   */
  z.object({ kind: z.literal('download'), url: z.string().min(1).optional() }),
  /** A SharePoint/OneDrive file read through Graph /shares with the user's token. */
  z.object({ kind: z.literal('share'), sharingUrl: z.string().min(1) }),
  /** A pasted image read through Graph hostedContents with the user's token. */
  z.object({ kind: z.literal('hosted-content'), contentUrl: z.string().min(1) }),
]);
export type JobSource = z.infer<typeof SourceSchema>;

const ErrorInfoSchema = z.object({
  code: z.string(),
  /** The sentence shown to the user (never a stack trace or a URL). */
  message: z.string(),
  requestId: z.string().optional(),
});
export type JobErrorInfo = z.infer<typeof ErrorInfoSchema>;

const FileJobSchema = z.object({
  name: z.string(),
  /**
   * The name the attachment is uploaded under, when the task already had one called `name`
   * (src/jobs/attachment-names.ts). The duplicate guard looks for this name.
   */
  attachName: z.string().optional(),
  /** `link`: too large for To Do, so a link to where it lives is added instead (src/jobs/link-file.ts). */
  mode: z.enum(['attach', 'link']).optional(),
  /** Where the file lives (SharePoint/OneDrive), for `link`. */
  webUrl: z.string().optional(),
  /** The linked resource made for a `link` file. */
  linkedResourceId: z.string().optional(),
  /**
   * Which file this is, hashed (the Teams file's unique id, or its SharePoint address): another
   * transfer of the same file tells its SHA-256 before it is downloaded again.
   */
  sourceKey: z.string().optional(),
  contentType: z.string(),
  size: z.number().int().nonnegative().optional(),
  source: SourceSchema,
  state: z.enum(FILE_STATES),
  bytesDone: z.number().int().nonnegative(),
  attachmentId: z.string().optional(),
  sha256: z.string().optional(),
  session: z
    .object({
      uploadUrl: z.string(),
      expirationDateTime: z.string().optional(),
      nextExpectedRanges: z.array(z.string()),
    })
    .optional(),
  /** Attachment ids on the task before this file's first upload session (duplicate guard). */
  preexistingAttachmentIds: z.array(z.string()).optional(),
  /** New upload sessions started because the previous one expired (the upload began again at 0). */
  sessionRestarts: z.number().int().nonnegative().optional(),
  startedAt: z.string().optional(),
  error: ErrorInfoSchema.optional(),
});
export type FileJob = z.infer<typeof FileJobSchema>;

export const TransferJobSchema = z.object({
  version: z.literal(1),
  id: z.string().min(1),
  /** Teams user id (29:…) of the person who asked: only they may press the card's buttons. */
  userId: z.string().min(1),
  aadObjectId: z.string().optional(),
  tenantId: z.string().optional(),
  /** Where the progress card lives. */
  card: z.object({
    serviceUrl: z.string(),
    conversationId: z.string(),
    activityId: z.string().optional(),
    /** botbuilder ConversationReference, kept opaque outside src/teams/. */
    reference: z.record(z.string(), z.unknown()),
  }),
  target: z.object({
    listId: z.string(),
    listName: z.string(),
    taskId: z.string(),
    taskTitle: z.string(),
  }),
  files: z.array(FileJobSchema).min(1),
  state: z.enum(JOB_STATES),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TransferJob = z.infer<typeof TransferJobSchema>;

/** The job with every file not yet finished ended as `state` (its upload session dropped). */
export function endRemaining(job: TransferJob, state: 'cancelled' | 'failed', error?: FileJob['error']): TransferJob {
  return {
    ...job,
    files: job.files.map((f) => (f.state === 'queued' || f.state === 'running' ? { ...f, state, session: undefined, error } : f)),
  };
}
