/** Said while the API cannot be reached: the page goes on asking and comes back by itself. */
export function ConnectionNote({ problem }: { problem: string | undefined }) {
  if (!problem) return null;
  return (
    <p class="banner" role="status">
      {problem} — retrying…
    </p>
  );
}
