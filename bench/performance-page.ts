/** docs/performance.md: part written by hand from measurements elsewhere, part by `npm run bench`. */
/** Where the page's own sections end and this benchmark's report begins. */
export const GENERATED_MARKER =
  '<!-- Written by `npm run bench` from here to the end: edit bench/throughput.ts, not this. -->';

/**
 * docs/performance.md with its generated part replaced: the sections before the marker (the
 * demo, faults, mapping, isolation) are measured elsewhere and kept as they are.
 */
export function withGeneratedSection(page: string, generated: string): string {
  const at = page.indexOf(GENERATED_MARKER);
  if (at < 0) throw new Error(`docs/performance.md has no marker line: ${GENERATED_MARKER}`);
  return `${page.slice(0, at)}${GENERATED_MARKER}\n\n${generated}`;
}
