/** Error codes every door (Electron, browser host, CLI) understands. */
export const ERROR_CODES = [
  'E_VALIDATION',
  'E_NOT_FOUND',
  'E_CONFLICT',
  'E_LIMIT',
  'E_FORBIDDEN',
  /** Another process held the write lock past the busy timeout; nothing was changed. */
  'E_BUSY',
  /** Disk full, read-only or unreadable store, damaged file: says what and what to do. */
  'E_STORAGE',
  /** A job was cancelled (by the user or because Gatehouse is closing). */
  'E_CANCELLED',
  /** A remote gateway was unreachable, refused the request, or answered something invalid. */
  'E_REMOTE',
  'E_INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one input field; `path` is dotted (e.g. `name`, `page.size`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  issues?: FieldIssue[];
}

export type Result<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

/** Thrown by services and by the renderer client; serialised as an ErrorPayload across IPC. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues: FieldIssue[] | undefined;

  constructor(code: ErrorCode, message: string, issues?: FieldIssue[]) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.issues = issues;
  }

  static field(code: ErrorCode, path: string, message: string): AppError {
    return new AppError(code, message, [{ path, message }]);
  }

  toPayload(): ErrorPayload {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
