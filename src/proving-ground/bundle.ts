import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfrastructureError } from '../errors.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const HOST_SRC = join(HERE, 'host');

/**
 * The programs that run inside the hosts (host/: init, systemctl, crictl, ctr, the kubelet agent), as
 * plain JavaScript for Debian's Node.js 18, with `yaml` beside them: mounted read-only at /opt/gameday/host,
 * so the cached image never depends on them. From a build (dist/) they are copied; from the sources (tsx)
 * they are transpiled with TypeScript (a development dependency, present where the sources are).
 */
export async function prepareHostBundle(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(HOST_SRC);
  const compiled = files.filter((f) => f.endsWith('.js'));
  if (compiled.length > 0) {
    for (const f of compiled) cpSync(join(HOST_SRC, f), join(dir, f));
  } else {
    let ts: typeof import('typescript');
    try {
      ts = (await import('typescript')).default;
    } catch {
      throw new InfrastructureError(`The host programs in ${HOST_SRC} are not built: run \`npm run build\`.`);
    }
    for (const f of files.filter((x) => x.endsWith('.ts'))) {
      const out = ts.transpileModule(readFileSync(join(HOST_SRC, f), 'utf8'), {
        compilerOptions: {
          module: ts.ModuleKind.ES2022,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
        fileName: f,
      });
      writeFileSync(join(dir, f.replace(/\.ts$/, '.js')), out.outputText);
    }
  }
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o755);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
  const yamlDir = dirname(createRequire(import.meta.url).resolve('yaml/package.json'));
  if (!existsSync(yamlDir)) throw new InfrastructureError('The `yaml` package is not installed (npm ci).');
  cpSync(yamlDir, join(dir, 'node_modules', 'yaml'), { recursive: true });
}
