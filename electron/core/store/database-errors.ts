import { AppError } from '../../../shared/contract/errors';

/** A store written by a newer app: refused untouched. An E_STORAGE error, so every door shows its message. */
export class DatabaseTooNewError extends AppError {
  constructor(
    readonly fileVersion: number,
    readonly appVersion: number,
  ) {
    super(
      'E_STORAGE',
      `This data was written by a newer Gatehouse (schema ${fileVersion}; this app knows up to ${appVersion}). ` +
        'Update Gatehouse to open it; nothing was changed.',
    );
    this.name = 'DatabaseTooNewError';
  }
}
