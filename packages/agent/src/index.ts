export { Worker, type FinishedTask, type WorkerOptions } from './worker/worker.ts';
export type { ExecOptions, ExecResult, LineParser, TaskContext, TaskRunner } from './worker/runner.ts';
export { TaskApi, type TaskApiOptions } from './worker/task-api.ts';
export { LeaseLost, OutputOutsideWorkDir, TaskFailure, TaskStopped, WorkerError, type WorkerErrorCode } from './worker/errors.ts';
export { isInside, readTaskOutput, removeTaskDir, resolveTaskOutput, unlinkTaskOutput, writeNewFile } from './worker/files.ts';
export { ShellRunner } from './worker/runners/shell.ts';
export { RenderRunner, sceneFileName, type RenderRunnerOptions } from './worker/runners/render.ts';
export { blenderRenderer, povrayRenderer, type RendererInput, type RendererPlugin } from './worker/runners/renderers.ts';
export type { Sandbox, SpawnSpec } from './sandbox/types.ts';
