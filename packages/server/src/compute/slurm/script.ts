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

/** `<taskId>.<attempt>`. Task ids are ours (no slashes), but a path must never be steered by data: keep it to safe characters. */
export function attemptDirName(f: Fence): string {
  return `${f.taskId.replace(/[^A-Za-z0-9_-]/g, '_')}.${f.attempt}`;
}

/** The server's private state of an attempt (batch script, job id, saved offsets). */
export function workDirOf(workRoot: string, f: Fence): string {
  return join(workRoot, attemptDirName(f));
}

/** The job's own directory: its working directory and output files, owned by the job user. */
export function jobDirOf(jobRoot: string, f: Fence): string {
  return join(jobRoot, attemptDirName(f));
}

/**
 * A checkpointing task's SHUZHI_CHECKPOINT_DIR at this site: `<jobRoot>/<taskId>.checkpoint`, one per
 * task (not per attempt), on the storage the compute nodes share, so it survives a requeue and a
 * resumed attempt here finds what the stopped one left.
 */
export function checkpointDirOf(jobRoot: string, taskId: string): string {
  return join(jobRoot, `${taskId.replace(/[^A-Za-z0-9_-]/g, '_')}.checkpoint`);
}

/** Names of a task's output files in its job directory: one pair per array piece. */
export function outputNames(pieces: number): { stdout: string; stderr: string }[] {
  if (pieces <= 1) return [{ stdout: 'stdout.log', stderr: 'stderr.log' }];
  return Array.from({ length: pieces }, (_, i) => ({ stdout: `stdout.${i}.log`, stderr: `stderr.${i}.log` }));
}

/** Output files of a task: one pair per array piece. */
export function outputFiles(jobDir: string, pieces: number): { stdout: string; stderr: string }[] {
  return outputNames(pieces).map((n) => ({ stdout: join(jobDir, n.stdout), stderr: join(jobDir, n.stderr) }));
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
export function batchScript(task: ExecTask, checkpointDir?: string): string {
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
    ...(checkpointDir ? [`export SHUZHI_CHECKPOINT_DIR=${shellQuote(checkpointDir)}`] : []),
  ];
  for (const [name, value] of Object.entries(task.env)) {
    if (!ENV_NAME.test(name)) throw new SlurmConfigError(`environment variable name ${JSON.stringify(name)} is not allowed`);
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  lines.push(task.command, '');
  return lines.join('\n');
}

/**
 * The GRES type a model is asked for by: lower case, only a–z, 0–9, `_` and `.` (`A800` → `a800`,
 * `昇腾 910B` → `910b`). A site names its GPUs so in gres.conf (`Name=gpu Type=910b`).
 */
export function gresTypeOf(model: string): string {
  return model.toLowerCase().replace(/[^a-z0-9_.]/g, '');
}

/** sbatch options for a task: its units become CPUs/GPUs (split over array pieces), its hours a time limit. */
export function jobSpecOf(task: ExecTask, cfg: SlurmSiteConfig, jobDir: string, scriptPath: string): JobSpec {
  const pieces = Math.max(1, Math.floor(task.arraySize ?? 1));
  const shape: UnitShape =
    cfg.units?.[task.type as keyof typeof DEFAULT_UNITS] ??
    DEFAULT_UNITS[task.type as keyof typeof DEFAULT_UNITS] ??
    DEFAULT_UNITS.cpu;
  const unitsPerPiece = Math.max(1, Math.ceil(task.units / pieces));
  const cpus = Math.max(1, unitsPerPiece * shape.cpus);
  // One interconnect group is one node here (an NVLink board, an HCCS ring sits in one machine).
  const nodes = cfg.cpusPerNode && !task.oneGroup ? Math.max(1, Math.ceil(cpus / cfg.cpusPerNode)) : 1;
  const gpus = unitsPerPiece * shape.gpus;
  const headroom = cfg.timeHeadroom ?? DEFAULTS.timeHeadroom;
  const slack = cfg.timeSlackMin ?? DEFAULTS.timeSlackMin;
  const files = pieces > 1
    ? { stdout: join(jobDir, 'stdout.%a.log'), stderr: join(jobDir, 'stderr.%a.log') }
    : outputFiles(jobDir, 1)[0]!;
  return {
    name: jobNameOf(task.jobName),
    comment: commentOf(task),
    ...(cfg.partition ? { partition: cfg.partition } : {}),
    nodes,
    ntasks: nodes,
    cpusPerTask: Math.ceil(cpus / nodes),
    gpus,
    ...(task.accelerator && gpus > 0 ? { gresType: gresTypeOf(task.accelerator) } : {}),
    timeMinutes: Math.max(1, Math.ceil(task.hours * 60 * headroom + slack)),
    workDir: jobDir,
    stdout: files.stdout,
    stderr: files.stderr,
    ...(pieces > 1 ? { arraySize: pieces } : {}),
    scriptPath,
  };
}
