/** Upstream provider credentials, encrypted at rest. */
export function ProviderKeysPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Provider keys</h1>
    </section>
  );
}
