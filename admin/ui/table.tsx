import type { ComponentChildren } from 'preact'

export type Column<Row> = {
  /** The column heading. */
  header: string
  /** The cell for a row. */
  cell: (row: Row) => ComponentChildren
  /** `num` aligns numbers right. */
  class?: string
}

/**
 * A data table with a caption (visually hidden unless `showCaption`); scrolls
 * sideways inside its frame on a narrow screen instead of widening the page.
 */
export function Table<Row>({
  caption,
  columns,
  rows,
  rowKey,
  showCaption = false,
}: {
  caption: string
  columns: Column<Row>[]
  rows: Row[]
  rowKey: (row: Row) => string | number
  showCaption?: boolean
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe: scrollable-region-focusable)
    <section class="table-frame" tabIndex={0} aria-label={caption}>
      <table>
        <caption class={showCaption ? undefined : 'visually-hidden'}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" class={column.class} key={column.header}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column) => (
                <td class={column.class} key={column.header}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
