/**
 * The setup scripts of snowflake/ as statements: split on `;` outside single-quoted strings
 * ('' escapes), double-quoted identifiers, `$$ … $$` bodies and comments (`--`, `/* … *\/`), never
 * on a bare `;`. Comments are dropped; each statement keeps the line it starts on, for errors.
 *
 * The scripts keep the seed's names so they run by hand as they are; `substituteNames` puts the
 * SNOW_* names in their place (whole words, outside strings and comments).
 */

export interface ScriptStatement {
  sql: string;
  /** 1-based line of the statement's first character in the script. */
  line: number;
}

type Segment = { kind: 'code' | 'string' | 'identifier' | 'dollar' | 'comment'; text: string };

/** The script cut into code, quoted parts and comments, in order. */
function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let code = '';
  const flush = () => {
    if (code) out.push({ kind: 'code', text: code });
    code = '';
  };
  for (let i = 0; i < text.length;) {
    const ch = text[i]!;
    const two = text.slice(i, i + 2);
    let end = -1;
    let kind: Segment['kind'] | null = null;
    if (two === '--') {
      kind = 'comment';
      end = text.indexOf('\n', i);
      end = end === -1 ? text.length : end;
    } else if (two === '/*') {
      kind = 'comment';
      const close = text.indexOf('*/', i + 2);
      end = close === -1 ? text.length : close + 2;
    } else if (two === '$$') {
      kind = 'dollar';
      const close = text.indexOf('$$', i + 2);
      end = close === -1 ? text.length : close + 2;
    } else if (ch === "'" || ch === '"') {
      kind = ch === "'" ? 'string' : 'identifier';
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === ch) {
          if (text[j + 1] === ch)
            j++; // '' or "" escapes the quote
          else break;
        } else if (ch === "'" && text[j] === '\\') j++; // Snowflake also reads \' in strings
      }
      end = Math.min(j + 1, text.length);
    }
    if (kind) {
      flush();
      out.push({ kind, text: text.slice(i, end) });
      i = end;
    } else {
      code += ch;
      i++;
    }
  }
  flush();
  return out;
}

export function splitStatements(text: string): ScriptStatement[] {
  const statements: ScriptStatement[] = [];
  let current = '';
  let startLine = 1;
  let line = 1;
  const finish = () => {
    const sql = current.trim();
    if (sql) statements.push({ sql, line: startLine });
    current = '';
  };
  for (const s of segments(text)) {
    if (s.kind === 'comment') {
      // Kept as a line break so line numbers and word boundaries stay right.
      line += s.text.split('\n').length - 1;
      current += s.text.endsWith('\n') || s.text.startsWith('--') ? '\n' : ' ';
      continue;
    }
    if (s.kind !== 'code') {
      if (!current.trim()) startLine = line;
      current += s.text;
      line += s.text.split('\n').length - 1;
      continue;
    }
    for (const ch of s.text) {
      if (ch === ';') {
        finish();
      } else {
        if (!current.trim() && ch.trim()) startLine = line;
        current += ch;
      }
      if (ch === '\n') line++;
    }
  }
  finish();
  // `--` comments ended a line: a statement made of nothing but them is dropped by trim().
  return statements;
}

/** Replaces whole-word identifiers (case-insensitive) in code, never in strings or comments. */
export function substituteNames(text: string, names: Record<string, string>): string {
  const entries = Object.entries(names);
  if (entries.length === 0) return text;
  const pattern = new RegExp(
    `(?<![\\w$])(${entries.map(([k]) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![\\w$])`,
    'gi',
  );
  const lookup = new Map(entries.map(([k, v]) => [k.toLowerCase(), v]));
  return segments(text)
    .map((s) =>
      s.kind === 'code' ? s.text.replace(pattern, (m) => lookup.get(m.toLowerCase()) ?? m) : s.text,
    )
    .join('');
}
