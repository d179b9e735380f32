/**
 * The snowflake/*.sql scripts, read the way Snowflake reads them: split into statements (the
 * driver runs one statement per request) and with the seed's object names replaced by the
 * SNOW_* settings.
 *
 * The scripts keep the seed's literal names (database `ma_base`, schema `mon_schema`,
 * warehouse `mon_entrepot`) so they stay runnable by hand in Snowsight; `dropship setup`
 * runs them through `substituteNames` with SNOW_DATABASE, SNOW_SCHEMA and SNOW_WAREHOUSE.
 *
 * One tokenizer serves both: code, '…' strings (with '' and backslash escapes), "…"
 * identifiers (with ""), $$…$$ bodies, -- and // line comments and non-nested /* … *\/
 * comments. A `;` ends a statement only in code.
 */
import { PipelineError } from '../../errors.ts';
import { identifierProblem } from './identifier.ts';

export interface ScriptStatement {
  /** The statement without its `;`, leading comments and surrounding blanks. */
  sql: string;
  /** 1-based line of the script where the statement starts (its first token). */
  line: number;
}

type TokenKind = 'code' | 'string' | 'identifier' | 'body' | 'comment' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  line: number;
}

const IDENTIFIER_CHAR = /[A-Za-z0-9_$]/;

/** Where a quoted construct starting at `start` ends (index after it), or -1 if it never does. */
function closingOf(text: string, start: number, kind: 'string' | 'identifier' | 'body'): number {
  if (kind === 'body') {
    const end = text.indexOf('$$', start + 2);
    return end < 0 ? -1 : end + 2;
  }
  const quote = kind === 'string' ? "'" : '"';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (kind === 'string' && c === '\\') {
      i++; // \' and \\ inside a string
    } else if (c === quote) {
      if (text[i + 1] !== quote) return i + 1;
      i++; // '' or "" stands for one quote
    }
  }
  return -1;
}

/** The script as tokens; `source` names it in errors (e.g. snowflake/02_create_tables.sql). */
function tokenize(text: string, source: string, firstLine = 1): Token[] {
  const tokens: Token[] = [];
  let line = firstLine;
  let code = '';
  let codeLine = firstLine;
  const flushCode = () => {
    if (code) tokens.push({ kind: 'code', text: code, line: codeLine });
    code = '';
  };
  const push = (kind: TokenKind, piece: string) => {
    flushCode();
    tokens.push({ kind, text: piece, line });
    line += piece.split('\n').length - 1;
    codeLine = line;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    let kind: 'string' | 'identifier' | 'body' | undefined;
    if (c === "'") kind = 'string';
    else if (c === '"') kind = 'identifier';
    else if (c === '$' && next === '$' && !IDENTIFIER_CHAR.test(text[i - 1] ?? ' ')) kind = 'body';
    if (kind) {
      const end = closingOf(text, i, kind);
      if (end < 0) {
        const what = { string: "a '…' string", identifier: 'a "…" identifier', body: 'a $$ body' }[
          kind
        ];
        throw new PipelineError(
          'BAD_INPUT',
          `${source} line ${line}: ${what} starts here and is never closed`,
          { hint: `close it, or remove the stray quote, in ${source}` },
        );
      }
      push(kind, text.slice(i, end));
      i = end;
    } else if ((c === '-' && next === '-') || (c === '/' && next === '/')) {
      const end = text.indexOf('\n', i);
      push('comment', text.slice(i, end < 0 ? text.length : end));
      i = end < 0 ? text.length : end;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0)
        throw new PipelineError(
          'BAD_INPUT',
          `${source} line ${line}: a /* comment starts here and is never closed`,
          { hint: `close it with */ in ${source}` },
        );
      push('comment', text.slice(i, end + 2));
      i = end + 2;
    } else if (c === ';') {
      push('end', ';');
      i++;
    } else {
      if (!code) codeLine = line;
      code += c;
      if (c === '\n') line++;
      i++;
    }
  }
  flushCode();
  return tokens;
}

/**
 * The statements of a script, in order, each with the line it starts on. Empty statements
 * (`;;`) and statements made only of comments are left out. A statement whose body holds
 * `;` (a procedure, a scripting block) must put that body in `$$ … $$`, as Snowflake's
 * drivers require.
 */
export function splitStatements(text: string, source = 'the SQL script'): ScriptStatement[] {
  const statements: ScriptStatement[] = [];
  let parts: Token[] = [];
  const finish = () => {
    // Leading blanks and comments are not part of the statement; trailing blanks neither.
    const first = parts.findIndex(
      (t) => t.kind !== 'comment' && !(t.kind === 'code' && !t.text.trim()),
    );
    if (first >= 0) {
      const head = parts[first]!;
      const lead = head.kind === 'code' ? head.text.length - head.text.trimStart().length : 0;
      const line = head.line + (head.text.slice(0, lead).split('\n').length - 1);
      const sql = parts
        .slice(first)
        .map((t) => t.text)
        .join('')
        .slice(lead)
        .trimEnd();
      statements.push({ sql, line });
    }
    parts = [];
  };
  for (const token of tokenize(text, source)) {
    if (token.kind === 'end') finish();
    else parts.push(token);
  }
  finish();
  return statements;
}

/** The names the scripts are written with, and the setting that replaces each one. */
export const SCRIPT_NAMES = {
  database: { literal: 'ma_base', setting: 'SNOW_DATABASE' },
  schema: { literal: 'mon_schema', setting: 'SNOW_SCHEMA' },
  warehouse: { literal: 'mon_entrepot', setting: 'SNOW_WAREHOUSE' },
} as const;

export type ScriptNames = Record<keyof typeof SCRIPT_NAMES, string>;

/**
 * The script with the seed's names (`ma_base`, `mon_schema`, `mon_entrepot`) replaced by
 * `names`: whole words only, in any letter case, in code and inside $$ bodies (they hold
 * code), never inside '…' strings, "…" identifiers or comments. So a name inside a string,
 * such as SYSTEM$STREAM_HAS_DATA('…'), must be written unqualified in the scripts. Each
 * replacement must be a Snowflake unquoted identifier: it becomes a plain word of the SQL.
 */
export function substituteNames(
  text: string,
  names: ScriptNames,
  source = 'the SQL script',
): string {
  const replacements = new Map<string, string>();
  for (const [key, { literal, setting }] of Object.entries(SCRIPT_NAMES)) {
    const name = names[key as keyof ScriptNames];
    const problem = identifierProblem(name);
    if (problem)
      throw new PipelineError(
        'BAD_CONFIG',
        `${setting}: ${problem} (got ${JSON.stringify(name)})`,
        {
          hint: `set ${setting} to a plain name such as ${literal}`,
        },
      );
    replacements.set(literal, name);
  }
  const words = new RegExp(
    `(?<![A-Za-z0-9_$])(${[...replacements.keys()].join('|')})(?![A-Za-z0-9_$])`,
    'gi',
  );
  const substitute = (script: string, firstLine: number): string =>
    tokenize(script, source, firstLine)
      .map((token) => {
        if (token.kind === 'code')
          return token.text.replace(words, (word) => replacements.get(word.toLowerCase()) ?? word);
        if (token.kind === 'body') return `$$${substitute(token.text.slice(2, -2), token.line)}$$`;
        return token.text;
      })
      .join('');
  return substitute(text, 1);
}
