import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface BadInputCase {
  readonly name: string;
  /** The SQS message body, exactly as a producer sent it. */
  readonly body: string;
  readonly errorCode: string;
}

interface CorpusFile {
  personal_data: string[];
  cases: { name: string; body: string | null; body_base64?: string; error_code: string }[];
}

const file = JSON.parse(
  readFileSync(path.join(__dirname, '..', 'data', 'bad-input-corpus.json'), 'utf8'),
) as CorpusFile;

/** Malformed ingest messages with the error code each must be dead-lettered with. */
export const BAD_INPUT_CASES: readonly BadInputCase[] = file.cases.map((c) => ({
  name: c.name,
  // Bytes that are not UTF-8 reach the dispatcher as a UTF-8 reader decodes them.
  body: c.body ?? new TextDecoder('utf-8').decode(Buffer.from(c.body_base64 ?? '', 'base64')),
  errorCode: c.error_code,
}));

/** Personal data inside the corpus: it must never appear in an error message or a log line. */
export const CORPUS_PERSONAL_DATA: readonly string[] = file.personal_data;
