import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, type LivegradeConfig, parseConfig } from '@livegrade/core';
import { parseDocument } from 'yaml';

export const CONFIG_FILE = 'livegrade.config.yaml';

export interface LoadedConfig {
  config: LivegradeConfig;
  /** absolute path of the file read; null when none was and the defaults apply */
  path: string | null;
}

/**
 * Reads and validates livegrade.config.yaml: the file named by
 * LIVEGRADE_CONFIG (relative to cwd), else the one in cwd, else the
 * defaults. Every failure is a ConfigError naming the file, so a service
 * stops at start instead of running with a policy nobody wrote.
 */
export async function loadConfig(
  opts: { cwd?: string; env?: { LIVEGRADE_CONFIG?: string | undefined } } = {},
): Promise<LoadedConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const named = (opts.env ?? process.env).LIVEGRADE_CONFIG?.trim();
  if (named) {
    const path = resolve(cwd, named);
    const text = await readIfExists(path);
    if (text === undefined) {
      const given = path === named ? '' : ` (LIVEGRADE_CONFIG=${JSON.stringify(named)})`;
      throw new ConfigError(`LIVEGRADE_CONFIG names a file that does not exist: ${path}${given}`);
    }
    return { config: parseConfigYaml(text, path), path };
  }

  const path = resolve(cwd, CONFIG_FILE);
  const text = await readIfExists(path);
  if (text !== undefined) return { config: parseConfigYaml(text, path), path };

  // A .yml file would otherwise be ignored without a word, and its settings silently not apply.
  const yml = resolve(cwd, 'livegrade.config.yml');
  if ((await readIfExists(yml)) !== undefined) {
    throw new ConfigError(
      `${yml}: livegrade reads ${CONFIG_FILE}; rename the file or set LIVEGRADE_CONFIG to its path`,
    );
  }
  return { config: parseConfig({}), path: null };
}

/** Parses YAML text and validates it; `source` names the file in messages. Empty text means the defaults. */
export function parseConfigYaml(text: string, source: string): LivegradeConfig {
  return parseConfig(parseYaml(text, source), source);
}

/**
 * YAML text → plain data, unvalidated (`livegrade alerts check` validates
 * only the rules). Every failure is a ConfigError with `source:line:col`.
 */
export function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const at = e.linePos?.[0];
      const where = at ? `${source}:${at.line}:${at.col}` : source;
      // prettyErrors appends the offending lines with a caret; indent them under their error.
      const [first, ...snippet] = e.message.trimEnd().split('\n');
      return [`  ${where}: ${first}`, ...snippet.map((l) => (l ? `    ${l}` : l))].join('\n');
    });
    throw new ConfigError(`invalid YAML in ${source}:\n${lines.join('\n')}`);
  }
  try {
    return doc.toJS();
  } catch (e) {
    // e.g. an alias expanded past the limit (a "billion laughs" file)
    throw new ConfigError(`invalid YAML in ${source}: ${(e as Error).message}`);
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
}
