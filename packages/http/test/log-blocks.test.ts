import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built module (./sk test builds first): each case runs in a process of its own, whose stdout
// is what LogBlocks writes.
const MODULE = fileURLToPath(new URL('../dist/log-blocks.js', import.meta.url));

function child(script: string) {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', `import { LogBlocks } from ${JSON.stringify(MODULE)};\n${script}`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return { proc, output: () => out };
}

describe('LogBlocks', () => {
  it('writes every line whole and in order, those still gathered included, when the process exits at once', async () => {
    const { proc, output } = child(`
      const blocks = new LogBlocks(1, 8 * 1024, 60_000);
      for (let i = 0; i < 2000; i++) blocks.write(JSON.stringify({ i, pad: 'x'.repeat(i % 97) }) + '\\n');
      process.exit(0);
    `);
    await once(proc, 'close');
    const lines = output().split('\n').filter(Boolean);
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('writes a lone line within the flush period, not only at exit', async () => {
    const { proc, output } = child(`
      const blocks = new LogBlocks(1, 8 * 1024, 50);
      blocks.write('lone line\\n');
      process.stdin.once('data', () => process.exit(0));
    `);
    const deadline = Date.now() + 10_000;
    while (!output().includes('lone line') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seenBeforeExit = output().includes('lone line');
    proc.stdin.write('exit\n');
    await once(proc, 'close');
    expect(seenBeforeExit).toBe(true);
  });
});
