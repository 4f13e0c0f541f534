import { useEffect, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract/contract';
import { Field } from '../../components/Field';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { BackupsSection } from './BackupsSection';

export function SettingsPage() {
  const [me, setMe] = useState<ChannelOutput<'members:getLocalUser'> | null>(null);
  const [info, setInfo] = useState<ChannelOutput<'app:info'> | null>(null);
  const [form, setForm] = useState({ name: '', email: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState('');

  useEffect(() => {
    void Promise.all([invoke('members:getLocalUser', {}), invoke('app:info', {})]).then(([user, appInfo]) => {
      setMe(user);
      setForm({ name: user.name, email: user.email });
      setInfo(appInfo);
    });
  }, []);

  const save = async () => {
    if (!me) return;
    try {
      const updated = await invoke('members:update', { id: me.id, changes: form });
      setMe(updated);
      setErrors({});
      setStatus('Saved. New audit entries will name you as ' + updated.name + '.');
    } catch (e) {
      const byField = fieldErrors(e);
      setErrors(byField);
      setStatus(Object.keys(byField).length ? '' : errorMessage(e));
    }
  };

  return (
    <div className="page">
      <header className="page__header">
        <h1>Settings</h1>
      </header>
      <section className="card" aria-labelledby="you-heading">
        <h2 id="you-heading">You on this laptop</h2>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <Field label="Your name" error={errors['changes.name'] ?? errors.name}>
            <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          </Field>
          <Field label="Your email" error={errors['changes.email'] ?? errors.email}>
            <input type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
          </Field>
          <p role="status" className="form-status">
            {status}
          </p>
          <button type="submit" className="primary" disabled={!me || (form.name === me.name && form.email === me.email)}>
            Save
          </button>
        </form>
      </section>
      {info ? (
        <section className="card" aria-labelledby="about-heading">
          <h2 id="about-heading">About this installation</h2>
          <dl className="facts">
            <div>
              <dt>Version</dt>
              <dd>{info.version}</dd>
            </div>
            <div>
              <dt>Schema version</dt>
              <dd>{info.schemaVersion}</dd>
            </div>
            <div>
              <dt>Data folder</dt>
              <dd>
                <code>{info.dataDir}</code>
              </dd>
            </div>
            <div>
              <dt>Limits</dt>
              <dd>
                {info.limits.maxWorkspaces} workspaces, {info.limits.maxActiveKeysPerWorkspace} active keys each
              </dd>
            </div>
          </dl>
        </section>
      ) : null}
      <BackupsSection />
    </div>
  );
}
