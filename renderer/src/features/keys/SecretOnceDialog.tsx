import { useState } from 'react';
import { Modal } from '../../components/Modal';

/** Shows a new secret exactly once; it is gone from memory when the dialog closes. */
export function SecretOnceDialog({ secret, keyName, onClose }: { secret: string | null; keyName: string; onClose: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  // Escape (or any close but "I have saved it") asks first: the secret cannot be shown again.
  const [confirmClose, setConfirmClose] = useState(false);
  if (!secret) return null;
  const close = () => {
    setCopied(null);
    setConfirmClose(false);
    onClose();
  };
  return (
    <Modal title={`Secret for ${keyName}`} open onClose={() => setConfirmClose(true)}>
      <p className="warning" role="note">
        Copy this secret now. It will not be shown again: Gatehouse stores only its hash.
      </p>
      <label className="secret-field">
        <span>API key secret</span>
        <input readOnly value={secret} onFocus={(e) => e.currentTarget.select()} aria-label="API key secret" />
      </label>
      <p role="status" className="form-status">
        {copied === 'yes' ? 'Copied to the clipboard' : copied === 'failed' ? 'Copying is not allowed here; select the text and copy it' : ''}
      </p>
      <div className="modal__actions">
        <button
          type="button"
          onClick={() => {
            navigator.clipboard.writeText(secret).then(
              () => setCopied('yes'),
              () => setCopied('failed'),
            );
          }}
        >
          Copy secret
        </button>
        <button
          type="button"
          className="primary"
          onClick={close}
        >
          I have saved it
        </button>
      </div>
      <Modal title="Close without the secret?" alert open={confirmClose} onClose={() => setConfirmClose(false)}>
        <p>The secret for {keyName} will not be shown again. If you have not saved it, you will have to rotate the key to get a new one.</p>
        <div className="modal__actions">
          <button type="button" onClick={() => setConfirmClose(false)}>
            Back to the secret
          </button>
          <button type="button" className="danger" onClick={close}>
            Close without saving
          </button>
        </div>
      </Modal>
    </Modal>
  );
}
