/** The organisation model catalog. */
export function ModelsPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Models</h1>
    </section>
  );
}
