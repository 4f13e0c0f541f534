/** The one-line messages forms show next to their fields and buttons; nothing is rendered without a message. */

/** A field's error inside its label (the sections that lay out their own controls). */
export function InlineFieldError({ error }: { error: string | undefined }) {
  return error ? (
    <span className="field__error" role="alert">
      {error}
    </span>
  ) : null;
}

/** What a dialog's last action failed with. */
export function FormError({ error }: { error: string | null | undefined }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

export interface SectionMessage {
  kind: 'error' | 'saved' | 'ok';
  text: string;
}

/** The outcome of an edit section's save or check: an alert for an error, a status otherwise. */
export function SectionMessageLine({ message }: { message: SectionMessage | null }) {
  return message ? (
    <p className={message.kind === 'error' ? 'field__error' : 'note'} role={message.kind === 'error' ? 'alert' : 'status'}>
      {message.text}
    </p>
  ) : null;
}
