/** The answers an instance has counted (`http_requests_total`) whose labels include each of `labels` (`route="/sec/kill"`), from its /metrics. */
export async function answersCounted(url: string, ...labels: string[]): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('http_requests_total{') && labels.every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
