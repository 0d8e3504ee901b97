import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { SlurmSiteConfig } from './config.ts';
import { DEFAULT_JOB_USER } from './config.ts';
import { SlurmJobUserError } from './errors.ts';

/** A Unix account as this machine knows it. */
export interface UnixUser {
  name: string;
  uid: number;
  gid: number;
}

/** Who a site's Slurm jobs run as, and how the server gets them there. */
export interface JobIdentity extends UnixUser {
  /**
   * The server (root) hands each job directory to this user, and (CLI) submits with
   * `sbatch --uid/--gid`. False when the jobs run as the server's own user.
   */
  switchUser: boolean;
}

const USER_NAME = /^[a-z_][a-z0-9_.-]*\$?$/i;

function parsePasswdLine(line: string, name: string): UnixUser | null {
  const f = line.split(':');
  if (f.length < 4 || f[0] !== name) return null;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid } : null;
}

/** The account `name` (through NSS: `getent passwd`, else /etc/passwd), or null when there is none. */
export async function lookupUser(name: string): Promise<UnixUser | null> {
  if (!USER_NAME.test(name)) return null;
  const out = await new Promise<string | null>((resolve) => {
    execFile('getent', ['passwd', name], { timeout: 10_000 }, (error, stdout) => {
      if (!error) resolve(stdout);
      // Exit 2: no such user. ENOENT: no getent here; read the file.
      else if ((error as NodeJS.ErrnoException).code === 'ENOENT') resolve(null);
      else resolve('');
    });
  });
  const text = out ?? (await readFile('/etc/passwd', 'utf8').catch(() => ''));
  for (const line of text.split('\n')) {
    const u = parsePasswdLine(line.trim(), name);
    if (u) return u;
  }
  return null;
}

const createHint = (name: string) =>
  `create it (useradd --system --no-create-home --user-group --shell /usr/sbin/nologin ${name}) on this machine and on every compute node, with the same uid`;

/**
 * Decides who a site's jobs run as, refusing root. CLI: a root server uses `jobUser` (default
 * `shuzhi-job`) and submits with --uid/--gid; a server that is not root submits as itself, the only
 * user it can. REST: the token's user, which must exist here too (the job directories are given to it).
 */
export async function resolveJobIdentity(
  cfg: Pick<SlurmSiteConfig, 'siteId' | 'connection' | 'jobUser'>,
  serverUid: number = process.geteuid?.() ?? process.getuid?.() ?? -1,
  lookup: (name: string) => Promise<UnixUser | null> = lookupUser,
): Promise<JobIdentity> {
  const site = `Slurm site ${cfg.siteId}`;
  const refuseRoot = (name: string) =>
    new SlurmJobUserError(
      'SLURM_JOB_USER_ROOT',
      `${site}: jobs would run as ${name} (uid 0); tenant code never runs as root. Set the site's slurm.jobUser to an unprivileged user (default ${DEFAULT_JOB_USER})`,
    );

  if (cfg.connection.kind === 'rest') {
    const name = cfg.connection.user;
    if (cfg.jobUser && cfg.jobUser !== name) {
      throw new SlurmJobUserError(
        'SLURM_JOB_USER_UNUSABLE',
        `${site}: over slurmrestd jobs run as the token's user ${name}, not ${cfg.jobUser}; make a token for ${cfg.jobUser} (scontrol token username=${cfg.jobUser}) and set it as restUser`,
      );
    }
    if (name === 'root') throw refuseRoot(name);
    const user = await lookup(name);
    if (!user) {
      throw new SlurmJobUserError(
        'SLURM_JOB_USER_UNKNOWN',
        `${site}: the slurmrestd user ${name} does not exist on this machine; the server gives each job a directory owned by it: ${createHint(name)}`,
      );
    }
    if (user.uid === 0) throw refuseRoot(name);
    if (serverUid !== 0 && serverUid !== user.uid) {
      throw new SlurmJobUserError(
        'SLURM_JOB_USER_UNUSABLE',
        `${site}: jobs run as ${name} but the server runs as uid ${serverUid} and cannot give ${name} its job directories; run the server as root or as ${name}`,
      );
    }
    return { ...user, switchUser: serverUid !== user.uid };
  }

  if (serverUid === 0) {
    const name = cfg.jobUser ?? DEFAULT_JOB_USER;
    if (name === 'root') throw refuseRoot(name);
    const user = await lookup(name);
    if (!user) {
      throw new SlurmJobUserError('SLURM_JOB_USER_UNKNOWN', `${site}: the job user ${name} does not exist; ${createHint(name)}, or set the site's slurm.jobUser`);
    }
    if (user.uid === 0) throw refuseRoot(name);
    return { ...user, switchUser: true };
  }

  // Not root: sbatch submits as this process's user and no other (--uid is root's).
  const self = userInfo();
  if (cfg.jobUser && cfg.jobUser !== self.username) {
    const wanted = await lookup(cfg.jobUser);
    if (!wanted || wanted.uid !== serverUid) {
      throw new SlurmJobUserError(
        'SLURM_JOB_USER_UNUSABLE',
        `${site}: jobs should run as ${cfg.jobUser}, but only root can submit Slurm jobs as another user; run the server as root, or leave slurm.jobUser unset to run them as ${self.username}`,
      );
    }
  }
  return { name: self.username, uid: serverUid, gid: process.getegid?.() ?? self.gid, switchUser: false };
}
