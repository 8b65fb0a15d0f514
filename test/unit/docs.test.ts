import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/*
 * The docs drift silently: a prop added to a construct, a page renamed, a README that grows back.
 * These checks read README.md and docs/*.md as they are on disk and compare them with the source.
 *
 * A props table is tied to its interface by an HTML comment right before it (blank lines allowed):
 *   <!-- props: EventConsumerProps lib/constructs/event-consumer.ts -->
 * Its first column names the props in backticks; a column headed "default" must read as the prop's
 * `@default` (backticks and spacing aside), or "required" for a prop that has none and no `?`.
 * Only the interface's own members count: inherited ones (`StackProps`, say) are not documented.
 */

const ROOT = path.join(__dirname, '..', '..');
const README = 'README.md';
const MAX_README_LINES = 260;

interface MarkdownFile {
  readonly name: string;
  readonly text: string;
}

interface PropsTable {
  readonly file: string;
  readonly interfaceName: string;
  readonly source: string;
  readonly header: string[];
  readonly rows: string[][];
}

interface InterfaceProp {
  readonly optional: boolean;
  readonly defaultValue?: string;
}

function markdownFiles(): MarkdownFile[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return [README, ...docs].map((name) => ({ name, text: readFileSync(path.join(ROOT, name), 'utf8') }));
}

/** A table row's cells; `\|` is a pipe inside a cell, not a column break. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

const PROPS_MARKER = /^<!--\s*props:\s*(\w+)\s+(\S+)\s*-->$/;

function propsTables(files: readonly MarkdownFile[]): PropsTable[] {
  const tables: PropsTable[] = [];
  for (const file of files) {
    const lines = file.text.split('\n');
    lines.forEach((line, index) => {
      const marker = PROPS_MARKER.exec(line.trim());
      if (!marker) return;
      let next = index + 1;
      while (next < lines.length && lines[next].trim() === '') next += 1;
      const tableLines: string[] = [];
      while (next < lines.length && lines[next].trim().startsWith('|')) tableLines.push(lines[next++]);
      if (tableLines.length < 2)
        throw new Error(`${file.name}:${index + 1}: a props marker with no table after it`);
      const [header, , ...rows] = tableLines.map(cells);
      tables.push({ file: file.name, interfaceName: marker[1], source: marker[2], header, rows });
    });
  }
  return tables;
}

/** The interface's own properties, each with its `@default` tag's text. */
function interfaceProps(source: string, interfaceName: string): Map<string, InterfaceProp> {
  const file = path.join(ROOT, source);
  const sourceFile = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const declaration = sourceFile.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === interfaceName,
  );
  if (!declaration) throw new Error(`${source} declares no interface ${interfaceName}`);
  const props = new Map<string, InterfaceProp>();
  for (const member of declaration.members) {
    if (!ts.isPropertySignature(member)) continue;
    const defaultTag = ts.getJSDocTags(member).find((tag) => tag.tagName.text === 'default');
    props.set(member.name.getText(sourceFile), {
      optional: member.questionToken !== undefined,
      defaultValue: defaultTag ? ts.getTextOfJSDocComment(defaultTag.comment) : undefined,
    });
  }
  return props;
}

/** The prop names a first-column cell documents: every name in backticks. */
function documentedNames(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
}

/** Backticks and line-wrapping differ between JSDoc and a table cell; the words must not. */
const normalised = (text: string) => text.replace(/`/g, '').replace(/\s+/g, ' ').trim().toLowerCase();

interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

/** Relative links (and images) outside code: absolute URLs and mail links are not files here. */
function relativeLinks(file: MarkdownFile): Link[] {
  const links: Link[] = [];
  let inFence = false;
  file.text.split('\n').forEach((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) return;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ file: file.name, line: index + 1, target });
    }
  });
  return links;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Why a link is broken, or undefined when it resolves. */
function brokenReason(link: Link): string | undefined {
  const [filePart, anchor] = link.target.split('#', 2);
  const resolved = filePart
    ? path.resolve(ROOT, path.dirname(link.file), decodeURIComponent(filePart))
    : path.join(ROOT, link.file);
  if (!existsSync(resolved)) return 'no such file';
  if (!anchor || !resolved.endsWith('.md')) return undefined;
  return anchors(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor))
    ? undefined
    : 'no such heading';
}

describe('props tables', () => {
  it('documents EventConsumerProps, the construct customers copy', () => {
    // Prepare
    const files = markdownFiles();

    // Act
    const tables = propsTables(files);

    // Assess
    expect(tables.map((table) => table.interfaceName)).toContain('EventConsumerProps');
  });

  it.each(propsTables(markdownFiles()).map((table) => [table.interfaceName, table.file, table]))(
    'lists exactly the props of %s, with their defaults (%s)',
    (_name, _file, table) => {
      // Prepare
      const props = interfaceProps(table.source, table.interfaceName);
      const defaultColumn = table.header.findIndex((heading) => heading.toLowerCase() === 'default');

      // Act
      const documented = table.rows.flatMap((row) => documentedNames(row[0]));
      const defaults = table.rows.flatMap((row) =>
        documentedNames(row[0]).map((name) => ({ name, inTable: normalised(row[defaultColumn] ?? '') })),
      );

      // Assess
      expect([...documented].sort()).toEqual([...props.keys()].sort());
      if (defaultColumn < 0) return;
      const expected = defaults.map(({ name }) => {
        const prop = props.get(name);
        const inSource = prop?.defaultValue ?? (prop?.optional ? '(no @default in the source)' : 'required');
        return { name, inTable: normalised(inSource) };
      });
      expect(defaults).toEqual(expected);
    },
  );
});

describe('relative links', () => {
  it('finds the links to check', () => {
    // Prepare
    const files = markdownFiles();

    // Act
    const links = files.flatMap(relativeLinks);

    // Assess: the README links its docs pages, so finding none means the link parser is broken.
    expect(links.filter((link) => link.file === README).length).toBeGreaterThan(0);
  });

  it('points every relative link in README.md and docs/ at a file and heading that exist', () => {
    // Prepare
    const links = markdownFiles().flatMap(relativeLinks);

    // Act
    const broken = links
      .map((link) => ({ link, reason: brokenReason(link) }))
      .filter(({ reason }) => reason !== undefined)
      .map(({ link, reason }) => `${link.file}:${link.line}: ${link.target} (${reason})`);

    // Assess
    expect(broken).toEqual([]);
  });

  it('lists every docs page in the README', () => {
    // Prepare
    const files = markdownFiles();
    const readme = files.find((file) => file.name === README) as MarkdownFile;

    // Act
    const linked = new Set(relativeLinks(readme).map((link) => link.target.split('#')[0]));
    const unlisted = files.map((file) => file.name).filter((name) => name !== README && !linked.has(name));

    // Assess
    expect(unlisted).toEqual([]);
  });
});

describe('npm scripts', () => {
  it('names only scripts that package.json has', () => {
    // Prepare
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const files = markdownFiles();

    // Act
    const named = files.flatMap((file) =>
      [...file.text.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((match) => ({
        file: file.name,
        script: match[1],
      })),
    );
    const unknown = named
      .filter(({ script }) => !(script in scripts))
      .map(({ file, script }) => `${file}: ${script}`);

    // Assess
    expect(named.length).toBeGreaterThan(0);
    expect(unknown).toEqual([]);
  });
});

describe('README.md', () => {
  it(`stays under ${MAX_README_LINES} lines: the details live in docs/`, () => {
    // Prepare
    const text = readFileSync(path.join(ROOT, README), 'utf8');

    // Act
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;

    // Assess
    expect(lines).toBeLessThan(MAX_README_LINES);
  });
});
