/**
 * The check in front of user SQL. The engine enforces read-only on its own
 * (readonly setting on the reader session); this catches what settings
 * cannot, and gives each refusal a message that says what was refused.
 */
export class ForbiddenQueryError extends Error {
  override name = 'ForbiddenQueryError';
}

const ALLOWED_FIRST = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS']);

/** Removes comments and string/identifier literals so keywords inside them are not matched. */
export function stripLiterals(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      i++;
      while (i < sql.length && sql[i] !== c) i += sql[i] === '\\' ? 2 : 1;
      i++;
      out += c === "'" ? "''" : ' x ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function assertReadOnlySql(sql: string): string {
  const bare = stripLiterals(sql).trim().replace(/;\s*$/, '');
  if (bare === '') throw new ForbiddenQueryError('empty query');
  if (bare.includes(';')) throw new ForbiddenQueryError('only one statement per request is accepted');
  const first = (bare.match(/^\(*\s*([A-Za-z]+)/)?.[1] ?? '').toUpperCase();
  if (!ALLOWED_FIRST.has(first)) {
    throw new ForbiddenQueryError(
      `only read queries are accepted (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS); got ${first || 'no statement'}`,
    );
  }
  if (/\bSETTINGS\b/i.test(bare)) throw new ForbiddenQueryError('SETTINGS clauses are not accepted: limits are fixed');
  if (/\bINTO\s+OUTFILE\b/i.test(bare)) throw new ForbiddenQueryError('INTO OUTFILE is not accepted');
  return sql.trim().replace(/;\s*$/, '');
}
