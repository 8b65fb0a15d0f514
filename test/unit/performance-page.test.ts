import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GENERATED_MARKER, withGeneratedSection } from '../../bench/performance-page';

describe('withGeneratedSection', () => {
  it('replaces only what follows the marker, keeping the measured sections before it', () => {
    // Prepare
    const page = `# Performance\n\n## The local demo\n\nkept\n\n${GENERATED_MARKER}\n\n## Old report\n\nstale\n`;

    // Act
    const written = withGeneratedSection(page, '## The throughput benchmark: how it runs\n\nnew\n');

    // Assess
    expect(written).toBe(
      `# Performance\n\n## The local demo\n\nkept\n\n${GENERATED_MARKER}\n\n## The throughput benchmark: how it runs\n\nnew\n`,
    );
  });

  it('refuses a page without the marker rather than overwrite it', () => {
    expect(() => withGeneratedSection('# Performance\n\nhand-written\n', 'report')).toThrow(/no marker line/);
  });

  it('finds the marker once in docs/performance.md', () => {
    // Prepare
    const page = readFileSync(path.join(__dirname, '..', '..', 'docs', 'performance.md'), 'utf8');

    // Act
    const occurrences = page.split(GENERATED_MARKER).length - 1;

    // Assess
    expect(occurrences).toBe(1);
    expect(page.indexOf('## The local demo')).toBeLessThan(page.indexOf(GENERATED_MARKER));
  });
});
