/** Everything backup and restore can refuse, each with a message that says what to do next. */
export type BackupErrorCode =
  | 'BACKUP_OUT_EXISTS'
  | 'BACKUP_DATA_DIR_MISSING'
  | 'BACKUP_SERVER_RUNNING'
  | 'BACKUP_DB_OPEN_FAILED'
  | 'BACKUP_FILE_CHANGED'
  | 'BACKUP_PG_DUMP_FAILED'
  | 'BACKUP_SERVER_UNREACHABLE'
  | 'BACKUP_ARCHIVE_UNREADABLE'
  | 'BACKUP_ARCHIVE_UNSAFE'
  | 'BACKUP_MANIFEST_INVALID'
  | 'BACKUP_CHECKSUM_MISMATCH'
  | 'BACKUP_VERSION_UNSUPPORTED'
  | 'RESTORE_TARGET_NOT_EMPTY'
  | 'RESTORE_DB_MISMATCH'
  | 'RESTORE_PG_RESTORE_FAILED';

export class BackupError extends Error {
  readonly code: BackupErrorCode;
  constructor(code: BackupErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BackupError';
    this.code = code;
  }
}
