/** Usage reports, charts and CSV export. */
export function UsagePage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Usage</h1>
    </section>
  );
}
