/**
 * Command lines as an SRE types them. The action log shows these strings, so they must be the exact line
 * one could paste into a shell to do the same thing by hand.
 */

// `~` is safe too: where it would expand (a leading ~/ path) the programs gameday runs expand it the same way.
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./~-]+$/;

/** Quote one word for a POSIX shell, only when it needs it. */
export function quoteWord(word: string): string {
  if (word === '') return "''";
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command line for an argv: what a person would type to run exactly these arguments. */
export function commandLine(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}

/**
 * Fill `{name}` placeholders of a command template. An unknown placeholder is an error, not an empty
 * string: a command with a hole in it must never run.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string | undefined>>): string {
  return template.replace(/\{([A-Za-z][A-Za-z0-9_-]*)\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new TemplatePlaceholderError(template, name);
    return v;
  });
}

/** The names of the placeholders a template uses. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z][A-Za-z0-9_-]*)\}/g)].map((m) => m[1] ?? '');
}

export class TemplatePlaceholderError extends Error {
  constructor(
    readonly template: string,
    readonly placeholder: string,
  ) {
    super(`The command template "${template}" uses {${placeholder}}, which has no value here.`);
    this.name = 'TemplatePlaceholderError';
  }
}

/**
 * Split a command line into words the way a POSIX shell does for plain words and quotes (no expansion).
 * Used for commands a lab profile runs on this machine (an IPMI tool), which run without a shell.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`Unterminated single quote in: ${line}`);
      cur += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
        cur += line[i];
        i++;
      }
      if (i >= line.length) throw new Error(`Unterminated double quote in: ${line}`);
      inWord = true;
      i++;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** True when a command line needs a shell (pipes, redirections, expansions, several commands). */
export function needsShell(line: string): boolean {
  return /[|&;<>()$`*?[\]{}~#]|\n/.test(line.replace(/'[^']*'/g, "''"));
}

/**
 * One argument holding a whole command line (ssh's remote command), shown as a person would type it: bare
 * when it has nothing a shell would interpret, in double quotes when that is enough, else single-quoted.
 */
export function quoteLine(line: string): string {
  if (!needsShell(line) && !/['"\\]/.test(line)) return line;
  if (!/["$`\\!]/.test(line)) return `"${line}"`;
  return quoteWord(line);
}
