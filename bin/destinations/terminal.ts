import { createInterface } from 'node:readline/promises';

/** Where `login` asks for what it needs: the person at a terminal, or lines piped in. */
export interface Terminal {
  /** A person is at the terminal: questions are asked, and can be asked again. */
  readonly interactive: boolean;
  /** An answer (a secret is not echoed); piped in, the next line. Undefined when there is none. */
  read(question: string, options: { readonly secret: boolean }): Promise<string | undefined>;
  /** Tells the person something, on stderr: never part of the output. */
  say(text: string): void;
}

/** The process's standard input and error. */
export function processTerminal(
  stdin: NodeJS.ReadStream = process.stdin,
  stderr: NodeJS.WriteStream = process.stderr,
): Terminal {
  let piped: Promise<string[]> | undefined;
  return {
    interactive: stdin.isTTY === true,
    async read(question, { secret }) {
      if (!stdin.isTTY) {
        piped ??= readLines(stdin);
        return (await piped).shift();
      }
      if (secret) return readSecret(stdin, stderr, question);
      const lines = createInterface({ input: stdin, output: stderr, terminal: true });
      try {
        return (await lines.question(question)).trim();
      } finally {
        lines.close();
      }
    },
    say: (text) => {
      stderr.write(`${text}\n`);
    },
  };
}

async function readLines(stdin: NodeJS.ReadStream): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
}

/** A line typed with echo off (raw mode): backspace edits, Ctrl-C or Ctrl-D on an empty line gives up. */
function readSecret(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed.join(''));
    };
    const onData = (chunk: Buffer | string) => {
      for (const character of chunk.toString()) {
        if (character === '\r' || character === '\n') return finish();
        if (character === '\u0003' || (character === '\u0004' && typed.length === 0))
          return finish(new Error('sign-in cancelled'));
        if (character === '\u007f' || character === '\b') typed = typed.slice(0, -1);
        else if (character >= ' ') typed.push(character);
      }
    };
    stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
