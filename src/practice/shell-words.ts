import { InvalidInputError } from '../errors.js';

/** A word, or one of the few shell operators the node shell understands. */
export type ShellToken = { word: string } | { op: '|' | ';' | '&&' | '||' | '>' | '>>' };

/**
 * Splits a command line as a POSIX shell would split words: single quotes keep everything, double quotes
 * keep everything but `\"`, `\\`, `\$` and `` \` ``, a backslash outside quotes escapes the next character.
 * No expansion happens (no variables, globs or substitutions): the node shell is an interpreter of the
 * runbooks' host commands, not a shell. `#` starts a comment at the beginning of a word.
 */
export function tokenize(line: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const flush = (): void => {
    if (inWord) tokens.push({ word });
    word = '';
    inWord = false;
  };
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new InvalidInputError("unexpected EOF while looking for matching `''");
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= line.length) throw new InvalidInputError('unexpected EOF while looking for matching `"\'');
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) {
          word += line[i + 1];
          i += 2;
          continue;
        }
        word += d;
        i++;
      }
      i++;
    } else if (c === '\\') {
      if (i + 1 < line.length) word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      flush();
      i++;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === '|' || c === ';' || c === '&' || c === '>') {
      flush();
      const two = line.slice(i, i + 2);
      if (two === '&&' || two === '||' || two === '>>') {
        tokens.push({ op: two });
        i += 2;
      } else if (c === '&') {
        throw new InvalidInputError('background jobs (&) are not simulated on this node');
      } else {
        tokens.push({ op: c });
        i++;
      }
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  flush();
  return tokens;
}

/** One simple command: its words and where its output goes. */
export interface SimpleCommand {
  words: string[];
  redirect?: { path: string; append: boolean };
}

/** Commands joined by pipes. */
export type Pipeline = SimpleCommand[];

/** Pipelines joined by `;`, `&&` and `||`, each with the operator that leads to it. */
export type CommandList = { pipeline: Pipeline; after: ';' | '&&' | '||' }[];

/** Parses a command line into pipelines joined by `;`, `&&` and `||`. */
export function parseCommandLine(line: string): CommandList {
  const list: CommandList = [];
  let pipeline: Pipeline = [];
  let cmd: SimpleCommand = { words: [] };
  let after: ';' | '&&' | '||' = ';';
  const tokens = tokenize(line);
  const endCommand = (): void => {
    if (cmd.words.length === 0 && !cmd.redirect) throw new InvalidInputError('syntax error: a command is missing');
    pipeline.push(cmd);
    cmd = { words: [] };
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if ('word' in t) {
      cmd.words.push(t.word);
      continue;
    }
    if (t.op === '>' || t.op === '>>') {
      const next = tokens[i + 1];
      if (!next || !('word' in next)) throw new InvalidInputError(`syntax error near unexpected token \`${t.op}'`);
      cmd.redirect = { path: next.word, append: t.op === '>>' };
      i++;
      continue;
    }
    endCommand();
    if (t.op === '|') continue;
    list.push({ pipeline, after });
    pipeline = [];
    after = t.op;
  }
  if (cmd.words.length > 0 || cmd.redirect) endCommand();
  else if (pipeline.length > 0) throw new InvalidInputError("syntax error: a command is missing after `|'");
  if (pipeline.length > 0) list.push({ pipeline, after });
  return list;
}
