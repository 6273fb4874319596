/**
 * Enough of a POSIX shell to know what a container's command does: what it prints, how long it sleeps,
 * whether it loops forever and with which status it exits. `echo hi`, `sleep 30`, `sh -c 'echo start;
 * sleep 5; exit 3'` and `while true; do date; sleep 10; done` are what people put in Jobs and debug pods;
 * anything this does not know is left to the caller (`unknown`).
 */
export type Step =
  /** A line on the container's output; a function of the moment it is printed for lines that show the time. */
  | { kind: 'print'; text: string | ((at: number) => string) }
  | { kind: 'sleep'; ms: number }
  | { kind: 'status'; code: number }
  | { kind: 'exit'; code: number | undefined }
  /** Runs until stopped (a server, `sleep infinity`, `tail -f`): nothing after it happens. */
  | { kind: 'forever' }
  | { kind: 'loop'; body: Step[] }
  /** A program this shell does not know, with its argv. */
  | { kind: 'unknown'; argv: string[] };

export interface ShellEnv {
  vars: Record<string, string>;
  hostname: string;
}

type Token = { word: string } | { op: string };

const OPERATORS = ['&&', '||', ';;', '2>&1', '1>&2', '>&2', '>>', ';', '|', '&', '>', '<', '\n', '(', ')'];

/** Words and operators, quotes removed (a quoted word never becomes an operator). */
export function tokenize(script: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let word: string | undefined;
  const flush = (): void => {
    if (word !== undefined) out.push({ word });
    word = undefined;
  };
  while (i < script.length) {
    const ch = script[i]!;
    if (ch === ' ' || ch === '\t') {
      flush();
      i++;
      continue;
    }
    if (ch === '#' && word === undefined) {
      while (i < script.length && script[i] !== '\n') i++;
      continue;
    }
    if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      const stop = end < 0 ? script.length : end;
      word = (word ?? '') + script.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      let s = '';
      while (j < script.length && script[j] !== '"') {
        if (script[j] === '\\' && j + 1 < script.length && '"\\$`'.includes(script[j + 1]!)) {
          s += script[j + 1];
          j += 2;
        } else s += script[j++];
      }
      word = (word ?? '') + s;
      i = j + 1;
      continue;
    }
    if (ch === '\\' && i + 1 < script.length) {
      word = (word ?? '') + (script[i + 1] === '\n' ? '' : script[i + 1]);
      i += 2;
      continue;
    }
    const op = OPERATORS.find((o) => script.startsWith(o, i));
    if (op && !(op === '2>&1' && word !== undefined)) {
      flush();
      out.push({ op });
      i += op.length;
      continue;
    }
    word = (word ?? '') + ch;
    i++;
  }
  flush();
  return out;
}

/** Expand $VAR and ${VAR}; `$(...)` and backquotes are left as they are. */
function expand(word: string, vars: Record<string, string>): string {
  return word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*|\?)/g, (_m, a: string, b: string) => {
    const name = a ?? b;
    return vars[name] ?? '';
  });
}

interface Simple {
  argv: string[];
  /** Output goes somewhere other than the container's stdout/stderr (`> /tmp/x`, `> /dev/null`). */
  silenced: boolean;
}

/** Split a token list into statements at `;`, newlines, `&&`, `||` and `&`, with `while`/`for` loops parsed. */
function parseList(tokens: Token[], env: ShellEnv): Step[] {
  const steps: Step[] = [];
  let i = 0;
  const atEnd = (): boolean => i >= tokens.length;
  const isOp = (t: Token | undefined, op: string): boolean => t !== undefined && 'op' in t && t.op === op;
  const isWord = (t: Token | undefined, w: string): boolean => t !== undefined && 'word' in t && t.word === w;
  const separator = (t: Token | undefined): boolean =>
    t !== undefined && 'op' in t && [';', '\n', '&&', '||', '&'].includes(t.op);
  /** Tokens up to the `done` matching a `do` already consumed. */
  const body = (): Token[] => {
    const start = i;
    let depth = 1;
    while (i < tokens.length) {
      const t = tokens[i]!;
      if ('word' in t && (t.word === 'do' || t.word === 'then')) depth += t.word === 'do' ? 1 : 0;
      if ('word' in t && t.word === 'done' && separatorBefore(tokens, i)) {
        depth--;
        if (depth === 0) {
          i++;
          return tokens.slice(start, i - 1);
        }
      }
      i++;
    }
    return tokens.slice(start);
  };
  while (!atEnd()) {
    if (separator(tokens[i])) {
      i++;
      continue;
    }
    if (isWord(tokens[i], 'while') || isWord(tokens[i], 'until')) {
      const until = isWord(tokens[i], 'until');
      i++;
      const cond: string[] = [];
      while (!atEnd() && !isWord(tokens[i], 'do')) {
        const t = tokens[i++]!;
        if ('word' in t) cond.push(t.word);
      }
      i++; // do
      const inner = parseList(body(), env);
      const forever = cond.length > 0 && ['true', ':', '[ 1 ]'].includes(cond.join(' ')) !== until;
      steps.push(forever ? { kind: 'loop', body: inner } : { kind: 'unknown', argv: ['while', ...cond] });
      continue;
    }
    if (isWord(tokens[i], 'for')) {
      const v = tokens[i + 1];
      i += 2;
      const items: string[] = [];
      if (isWord(tokens[i], 'in')) {
        i++;
        while (!atEnd() && !isOp(tokens[i], ';') && !isOp(tokens[i], '\n') && !isWord(tokens[i], 'do')) {
          const t = tokens[i++]!;
          if ('word' in t) items.push(...expand(t.word, env.vars).split(/\s+/).filter(Boolean));
        }
      }
      while (!atEnd() && !isWord(tokens[i], 'do')) i++;
      i++; // do
      const inner = body();
      const name = v && 'word' in v ? v.word : 'i';
      for (const item of items.slice(0, 10_000)) {
        steps.push(...parseList(inner, { ...env, vars: { ...env.vars, [name]: item } }));
      }
      continue;
    }
    // A simple command (possibly a pipeline: its last command's output is what shows).
    const words: string[] = [];
    let silenced = false;
    while (!atEnd() && !separator(tokens[i])) {
      const t = tokens[i++]!;
      if ('op' in t) {
        if (t.op === '>' || t.op === '>>') {
          const target = tokens[i++];
          const to = target && 'word' in target ? target.word : '';
          if (to !== '/dev/stdout' && to !== '/dev/stderr') silenced = true;
        } else if (t.op === '<') i++;
        else if (t.op === '|') words.length = 0;
        continue;
      }
      if (/^[12]?>/.test(t.word)) continue; // 2>/dev/null and friends
      words.push(t.word);
    }
    const sep = tokens[i];
    const argv = words.map((w) => expand(w, env.vars));
    if (argv.length === 0) continue;
    steps.push(...simpleCommand({ argv, silenced }, env));
    // `a || b`: a known command succeeds, so b does not run; `a && b` runs b.
    if (isOp(sep, '||')) {
      i++;
      while (!atEnd() && !separator(tokens[i])) i++;
    }
  }
  return steps;
}

function separatorBefore(tokens: Token[], i: number): boolean {
  const t = tokens[i - 1];
  return t === undefined || ('op' in t && (t.op === ';' || t.op === '\n'));
}

const UNITS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(arg: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(arg ?? '');
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? '']!);
}

function simpleCommand(cmd: Simple, env: ShellEnv): Step[] {
  const [name0 = '', ...args] = cmd.argv;
  const name = name0.split('/').pop() ?? name0;
  const print = (text: string | ((at: number) => string)): Step[] => (cmd.silenced ? [] : [{ kind: 'print', text }]);
  switch (name) {
    case 'sh':
    case 'bash':
    case 'ash':
    case 'dash': {
      const c = args.indexOf('-c');
      if (c >= 0 && args[c + 1] !== undefined) return parseScript(args[c + 1]!, env);
      // An interactive shell without a terminal reads EOF and exits.
      return args.length === 0 ? [{ kind: 'exit', code: 0 }] : [{ kind: 'unknown', argv: cmd.argv }];
    }
    case 'echo': {
      let rest = args;
      let newline = true;
      while (rest[0] === '-n' || rest[0] === '-e' || rest[0] === '-ne' || rest[0] === '-en') {
        if (rest[0].includes('n')) newline = false;
        rest = rest.slice(1);
      }
      const text = rest.join(' ').replace(/\\n/g, '\n');
      return text === '' && !newline ? [] : text.split('\n').flatMap(print);
    }
    case 'printf': {
      const [format = '', ...values] = args;
      let k = 0;
      const text = format
        .replace(/%[sdv]/g, () => values[k++] ?? '')
        .replace(/\\n/g, '\n')
        .replace(/\n$/, '');
      return text.split('\n').flatMap(print);
    }
    case 'sleep': {
      if (args[0] === 'infinity' || args[0] === 'inf') return [{ kind: 'forever' }];
      const ms = duration(args[0]);
      return ms === undefined ? [{ kind: 'unknown', argv: cmd.argv }] : [{ kind: 'sleep', ms }];
    }
    case 'exit':
      return [{ kind: 'exit', code: args[0] === undefined ? undefined : Number(args[0]) || 0 }];
    case 'true':
    case ':':
      return [{ kind: 'status', code: 0 }];
    case 'false':
      return [{ kind: 'status', code: 1 }];
    case 'date':
      return print(dateLine);
    case 'hostname':
      return print(env.hostname);
    case 'whoami':
      return print('root');
    case 'uname':
      return print(args.includes('-a') ? `Linux ${env.hostname} 5.15.0 #1 SMP x86_64 GNU/Linux` : 'Linux');
    case 'env':
    case 'printenv':
      if (args.length > 0 && name === 'printenv') return args.flatMap((a) => print(env.vars[a] ?? ''));
      return Object.entries(env.vars)
        .filter(([k]) => k !== '?')
        .flatMap(([k, v]) => print(`${k}=${v}`));
    case 'cat':
      if (args.includes('/etc/hostname')) return print(env.hostname);
      return [];
    case 'tail':
      return args.includes('-f') || args.includes('-F') ? [{ kind: 'forever' }] : [];
    case 'perl': {
      const m = /bpi\((\d+)\)/.exec(args.join(' '));
      if (!m) return [{ kind: 'unknown', argv: cmd.argv }];
      const digits = Math.min(Number(m[1]), 10_000);
      // The Kubernetes docs' pi Job: perl takes seconds to print 2000 digits.
      return [{ kind: 'sleep', ms: Math.max(1000, digits * 4) }, ...print(piDigits(digits))];
    }
    case 'python':
    case 'python3': {
      const c = args.indexOf('-c');
      const m = c >= 0 ? /print\((['"])(.*?)\1\)/.exec(args[c + 1] ?? '') : null;
      return m ? print(m[2] ?? '') : [{ kind: 'unknown', argv: cmd.argv }];
    }
    default:
      return [{ kind: 'unknown', argv: cmd.argv }];
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** What `date` prints in a container (UTC): "Thu Jan  1 00:00:03 UTC 2026". */
export function dateLine(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

export function parseScript(script: string, env: ShellEnv): Step[] {
  return parseList(tokenize(script), env);
}

/** What running argv (a container's command and args) does, as far as this shell knows. */
export function parseCommand(argv: string[], env: ShellEnv): Step[] {
  return simpleCommand({ argv, silenced: false }, env);
}

/** π to `n` significant digits ("3.14159..."), by Machin's formula in integers. */
export function piDigits(n: number): string {
  const guard = 10n;
  const scale = 10n ** (BigInt(n) + guard);
  const arctanInv = (x: bigint): bigint => {
    let sum = 0n;
    let term = scale / x;
    const x2 = x * x;
    for (let k = 0n; term !== 0n; k++) {
      sum += (k % 2n === 0n ? 1n : -1n) * (term / (2n * k + 1n));
      term /= x2;
    }
    return sum;
  };
  const pi = (4n * (4n * arctanInv(5n) - arctanInv(239n))) / 10n ** guard;
  const s = pi.toString();
  return `${s[0]}.${s.slice(1, n)}`;
}
