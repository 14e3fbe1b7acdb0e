import type { AddFileInput, HostedFile } from '../src/emulators/file-host';

/** What the bench may ask of the emulator process: [argument, result] per operation. */
export interface EmulatorOps {
  addFile: [AddFileInput, HostedFile];
  removeFile: [string, boolean];
  /** Bytes per second per connection and direction; null = unlimited. */
  shape: [{ graph: number | null; files: number | null }, void];
  lists: [void, Array<{ id: string; displayName: string }>];
  addList: [string, { id: string; displayName: string }];
  addTask: [{ listId: string; title: string }, { id: string; title: string }];
  /** Frees the task's attachments (the emulator keeps their bytes in memory). */
  deleteTask: [{ listId: string; taskId: string }, boolean];
  attachments: [{ listId: string; taskId: string }, Array<{ id: string; name: string; size: number; sha256: string }>];
  sessionCount: [void, number];
  messages: [string, Array<{ activityId: string; body: unknown; updateCount: number }>];
  maxUpdatesPerSecond: [void, number];
  /** Every card update the connector accepted: when, and whether it was the "Attached" card. */
  updateTimes: [void, Array<{ activityId: string; at: number; final: boolean }>];
  clearConnector: [void, void];
  /** CPU time the emulator process has used so far (microseconds, user + system). */
  cpuMicros: [void, number];
  /** Starts or stops (and reports, in ms) an event-loop delay histogram in the emulator process. */
  loopDelay: ['start' | 'stop', LoopDelay | null];
  /**
   * A second Graph To Do emulator for the picker benchmark: `lists` lists of `tasksPerList` open
   * tasks (titles from `titles`, cycled), every request delayed by `latencyMs`, pages of `pageSize`.
   */
  startPickerGraph: [{ lists: number; tasksPerList: number; latencyMs: number; pageSize: number; titles: string[] }, { graphBaseUrl: string; token: string; requests: number }];
  /** Graph requests the picker emulator has answered so far. */
  pickerGraphRequests: [void, number];
  stopPickerGraph: [void, void];
  /** Collects garbage in the emulator process; answers its RSS. */
  gc: [void, number];
  stop: [void, void];
}

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export type OpName = keyof EmulatorOps;

export interface OpRequest {
  id: number;
  op: OpName;
  args: unknown;
}

export type HostMessage =
  | { type: 'ready'; graphBaseUrl: string; filesBaseUrl: string; serviceUrl: string; token: string }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: string };
