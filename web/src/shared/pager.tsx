/** "Previous page" / "Next page"; a missing step is a disabled button. */
export function Pager({ previous, next, label }: { previous: (() => void) | undefined; next: (() => void) | undefined; label: string }) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" disabled={!previous} onClick={previous}>
        Previous page
      </button>
      <button type="button" disabled={!next} onClick={next}>
        Next page
      </button>
    </nav>
  );
}
