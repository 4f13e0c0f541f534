export class DatabaseTooNewError extends Error {
  constructor(
    readonly fileVersion: number,
    readonly appVersion: number,
  ) {
    super(
      `This data was written by a newer Gatehouse (schema ${fileVersion}; this app knows up to ${appVersion}). ` +
        'Update Gatehouse to open it; nothing was changed.',
    );
    this.name = 'DatabaseTooNewError';
  }
}
