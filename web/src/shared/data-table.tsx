import type { ComponentChildren } from 'preact';

export interface Row {
  key: string | number;
  cells: ComponentChildren[];
}

/** A table that scrolls sideways on a narrow screen rather than widening the page. */
export function DataTable({ head, rows }: { head: string[]; rows: Row[] }) {
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              {row.cells.map((cell, i) => (
                <td key={i}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
