import { join } from 'node:path';
import type { Fence } from '@shuzhi/schema';
import type { ExecTask } from '../executor.ts';
import type { JobSpec } from './backend.ts';
import { DEFAULTS, DEFAULT_UNITS } from './config.ts';
import type { SlurmSiteConfig, UnitShape } from './config.ts';
import { SlurmConfigError } from './errors.ts';

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export const fenceKey = (f: Fence): string => `${f.taskId}#${f.attempt}`;
export const commentOf = (f: Fence): string => `shuzhi:${f.taskId}:${f.attempt}`;

/** Task ids are ours (no slashes), but a path must never be steered by data: keep it to safe characters. */
export function workDirOf(workRoot: string, f: Fence): string {
  return join(workRoot, `${f.taskId.replace(/[^A-Za-z0-9_-]/g, '_')}.${f.attempt}`);
}

/** Output files of a task: one pair per array piece. */
export function outputFiles(workDir: string, pieces: number): { stdout: string; stderr: string }[] {
  if (pieces <= 1) return [{ stdout: join(workDir, 'stdout.log'), stderr: join(workDir, 'stderr.log') }];
  return Array.from({ length: pieces }, (_, i) => ({
    stdout: join(workDir, `stdout.${i}.log`),
    stderr: join(workDir, `stderr.${i}.log`),
  }));
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Slurm job names show in squeue: keep them readable and free of separators. */
function jobNameOf(name: string): string {
  const clean = name.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '');
  return (clean || 'task').slice(0, 64);
}

/** The batch script: task environment, then the command, in the task's work directory. */
export function batchScript(task: ExecTask): string {
  const pieces = task.arraySize ?? 1;
  const lines = [
    '#!/bin/bash',
    `# shuzhi task ${task.taskId} attempt ${task.attempt} (job ${task.jobId})`,
    `export SHUZHI_JOB_ID=${shellQuote(task.jobId)}`,
    `export SHUZHI_TASK_ID=${shellQuote(task.taskId)}`,
    `export SHUZHI_ATTEMPT=${task.attempt}`,
    `export SHUZHI_UNITS=${task.units}`,
    `export SHUZHI_PIECES=${pieces}`,
    `export SHUZHI_PIECE="\${SLURM_ARRAY_TASK_ID:-0}"`,
  ];
  for (const [name, value] of Object.entries(task.env)) {
    if (!ENV_NAME.test(name)) throw new SlurmConfigError(`environment variable name ${JSON.stringify(name)} is not allowed`);
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  lines.push(task.command, '');
  return lines.join('\n');
}

/** sbatch options for a task: its units become CPUs/GPUs (split over array pieces), its hours a time limit. */
export function jobSpecOf(task: ExecTask, cfg: SlurmSiteConfig, workDir: string, scriptPath: string): JobSpec {
  const pieces = Math.max(1, Math.floor(task.arraySize ?? 1));
  const shape: UnitShape =
    cfg.units?.[task.type as keyof typeof DEFAULT_UNITS] ??
    DEFAULT_UNITS[task.type as keyof typeof DEFAULT_UNITS] ??
    DEFAULT_UNITS.cpu;
  const unitsPerPiece = Math.max(1, Math.ceil(task.units / pieces));
  const cpus = Math.max(1, unitsPerPiece * shape.cpus);
  const nodes = cfg.cpusPerNode ? Math.max(1, Math.ceil(cpus / cfg.cpusPerNode)) : 1;
  const headroom = cfg.timeHeadroom ?? DEFAULTS.timeHeadroom;
  const slack = cfg.timeSlackMin ?? DEFAULTS.timeSlackMin;
  const files = pieces > 1
    ? { stdout: join(workDir, 'stdout.%a.log'), stderr: join(workDir, 'stderr.%a.log') }
    : outputFiles(workDir, 1)[0]!;
  return {
    name: jobNameOf(task.jobName),
    comment: commentOf(task),
    ...(cfg.partition ? { partition: cfg.partition } : {}),
    nodes,
    ntasks: nodes,
    cpusPerTask: Math.ceil(cpus / nodes),
    gpus: unitsPerPiece * shape.gpus,
    timeMinutes: Math.max(1, Math.ceil(task.hours * 60 * headroom + slack)),
    workDir,
    stdout: files.stdout,
    stderr: files.stderr,
    ...(pieces > 1 ? { arraySize: pieces } : {}),
    scriptPath,
  };
}
