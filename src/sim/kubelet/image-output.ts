import type { KubeObject } from '../../kube/objects.js';
import { imageRepository } from './container-behaviour.js';
import type { Step } from './shell-script.js';

/**
 * What a container prints when its image's own entrypoint runs (no command given, or one this simulator does
 * not know): the startup lines each kind of server writes to stdout, then nothing until it stops. A Tomcat
 * application prints Tomcat's lines, nginx nginx's, a Kubernetes component klog lines; an image this does
 * not recognise prints a neutral start-up line.
 */
export type ImageKind =
  'tomcat' | 'nginx' | 'redis' | 'coredns' | 'calico' | 'kube-proxy' | 'control-plane' | 'pause' | 'shell' | 'generic';

/** Images whose default command is a shell (or an interpreter reading stdin): without a terminal it exits at once. */
const SHELL_IMAGES =
  /^(busybox|alpine|ubuntu|debian|centos|fedora|rockylinux|almalinux|amazonlinux|bash|perl|python|node|ruby|golang|curlimages\/curl|nicolaka\/netshoot)$/;

const LOG_PATH_ANNOTATION = 'sim.gameday.io/log-path';

/** An image whose default command is a shell: a container of it without a command exits at once. */
export function isShellImage(image: string): boolean {
  const repo = imageRepository(image).toLowerCase();
  return (
    SHELL_IMAGES.test(repo.replace(/^(docker\.io\/)?(library\/)?/, '')) ||
    SHELL_IMAGES.test(repo.split('/').pop() ?? repo)
  );
}

export function imageKind(pod: KubeObject, image: string): ImageKind {
  const repo = imageRepository(image).toLowerCase();
  const last = repo.split('/').pop() ?? repo;
  const short = repo.replace(/^(docker\.io\/)?(library\/)?/, '');
  if (pod.metadata.namespace === 'kube-system' && pod.metadata.labels?.component) return 'control-plane';
  if (/(^|\/)(kube-apiserver|kube-controller-manager|kube-scheduler|etcd)$/.test(repo)) return 'control-plane';
  if (last === 'pause') return 'pause';
  if (last.includes('tomcat') || (pod.metadata.annotations?.[LOG_PATH_ANNOTATION] ?? '').includes('tomcat'))
    return 'tomcat';
  if (last === 'nginx' || last === 'nginx-unprivileged') return 'nginx';
  if (last === 'redis') return 'redis';
  if (last === 'coredns') return 'coredns';
  if (repo.includes('calico')) return 'calico';
  if (last === 'kube-proxy') return 'kube-proxy';
  if (SHELL_IMAGES.test(short) || SHELL_IMAGES.test(last)) return 'shell';
  return 'generic';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');
const p3 = (n: number): string => String(n).padStart(3, '0');

/** Tomcat's log timestamp: "01-Jan-2026 00:00:03.120". */
export function tomcatTime(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${p3(d.getUTCMilliseconds())}`;
}

/** klog's header: "I0101 00:00:03.120000       1 ". */
export function klogTime(ms: number, level = 'I'): string {
  const d = new Date(ms);
  return `${level}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${p3(d.getUTCMilliseconds())}000       1 `;
}

/** nginx's error-log time: "2026/01/01 00:00:03". */
function nginxTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** Lines at offsets (ms from the start), as steps: print, sleep until the next, ... then run on. */
function timed(lines: [number, (at: number) => string][]): Step[] {
  const steps: Step[] = [];
  let t = 0;
  for (const [offset, text] of lines) {
    if (offset > t) steps.push({ kind: 'sleep', ms: offset - t });
    t = Math.max(t, offset);
    steps.push({ kind: 'print', text });
  }
  steps.push({ kind: 'forever' });
  return steps;
}

function tag(image: string): string {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(colon + 1) : 'latest';
}

/** The steps of the image's own entrypoint, for a container of `pod` named `container`. */
export function entrypointSteps(
  pod: KubeObject,
  container: { name: string; image?: string; ports?: { containerPort?: number }[] },
): Step[] {
  const image = container.image ?? '';
  const version = tag(image);
  switch (imageKind(pod, image)) {
    case 'pause':
      return [{ kind: 'forever' }];
    case 'shell':
      return [{ kind: 'exit', code: 0 }];
    case 'tomcat': {
      const tomcat = /^\d+\.\d+/.test(version) && imageRepository(image).includes('tomcat') ? version : '8.5.40';
      const t = (off: number, text: string): [number, (at: number) => string] => [
        off,
        (at) => `${tomcatTime(at)} ${text}`,
      ];
      return timed([
        t(
          100,
          `INFO [main] org.apache.catalina.startup.VersionLoggerListener.log Server version name:   Apache Tomcat/${tomcat}`,
        ),
        t(105, `INFO [main] org.apache.catalina.startup.VersionLoggerListener.log OS Name:               Linux`),
        t(
          120,
          `INFO [main] org.apache.catalina.startup.VersionLoggerListener.log CATALINA_BASE:         /usr/local/tomcat`,
        ),
        t(410, `INFO [main] org.apache.coyote.AbstractProtocol.init Initializing ProtocolHandler ["http-nio-8080"]`),
        t(980, `INFO [main] org.apache.catalina.core.StandardService.startInternal Starting service [Catalina]`),
        t(
          985,
          `INFO [main] org.apache.catalina.core.StandardEngine.startInternal Starting Servlet engine: [Apache Tomcat/${tomcat}]`,
        ),
        t(
          1020,
          `INFO [localhost-startStop-1] org.apache.catalina.startup.HostConfig.deployWAR Deploying web application archive [/usr/local/tomcat/webapps/ROOT.war]`,
        ),
        t(2840, `INFO [main] org.apache.coyote.AbstractProtocol.start Starting ProtocolHandler ["http-nio-8080"]`),
        t(2861, `INFO [main] org.apache.catalina.startup.Catalina.start Server startup in 2861 ms`),
      ]);
    }
    case 'nginx': {
      const v = /^\d+\.\d+(\.\d+)?$/.test(version)
        ? version.split('.').length === 2
          ? `${version}.0`
          : version
        : '1.27.3';
      const e = (text: string): [number, (at: number) => string] => [5, () => text];
      const n = (text: string): [number, (at: number) => string] => [
        20,
        (at) => `${nginxTime(at)} [notice] 1#1: ${text}`,
      ];
      return timed([
        e('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration'),
        e('/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/'),
        e('/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh'),
        e('10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf'),
        e('10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf'),
        e('/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh'),
        e('/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh'),
        e('/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh'),
        e('/docker-entrypoint.sh: Configuration complete; ready for start up'),
        n('using the "epoll" event method'),
        n(`nginx/${v}`),
        n('built by gcc 12.2.0 (Debian 12.2.0-14)'),
        n('OS: Linux 5.15.0'),
        n('getrlimit(RLIMIT_NOFILE): 1048576:1048576'),
        n('start worker processes'),
        n('start worker process 29'),
      ]);
    }
    case 'redis': {
      const r = (off: number, kind: string, text: string): [number, (at: number) => string] => [
        off,
        (at) => {
          const d = new Date(at);
          return `1:${kind} ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${p3(d.getUTCMilliseconds())} * ${text}`;
        },
      ];
      return timed([
        r(5, 'C', 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'),
        r(
          6,
          'C',
          `Redis version=${/^\d/.test(version) ? version : '7.4.1'}, bits=64, commit=00000000, modified=0, pid=1, just started`,
        ),
        r(8, 'M', 'Server initialized'),
        r(9, 'M', 'Ready to accept connections tcp'),
      ]);
    }
    case 'coredns':
      return timed([
        [50, () => '.:53'],
        [
          51,
          () =>
            '[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908',
        ],
        [52, () => `CoreDNS-${version.replace(/^v/, '')}`],
        [52, () => 'linux/amd64, go1.22.7, a6338e9'],
      ]);
    case 'calico':
      return timed([
        [
          30,
          (at) =>
            `${new Date(at).toISOString().replace('T', ' ').replace('Z', '')} [INFO][1] startup/startup.go 427: Early log level set to info`,
        ],
        [
          60,
          (at) =>
            `${new Date(at).toISOString().replace('T', ' ').replace('Z', '')} [INFO][1] startup/startup.go 443: Using NODENAME environment for node name ${String(pod.spec?.nodeName ?? '')}`,
        ],
        [
          900,
          (at) =>
            `${new Date(at).toISOString().replace('T', ' ').replace('Z', '')} [INFO][1] startup/startup.go 695: Calico node started successfully`,
        ],
      ]);
    case 'kube-proxy':
      return timed([
        [40, (at) => `${klogTime(at)}server_linux.go:66] "Using iptables proxy"`],
        [
          90,
          (at) =>
            `${klogTime(at)}server.go:677] "Successfully retrieved node IP(s)" IPs=["${String(pod.status?.hostIP ?? '')}"]`,
        ],
        [300, (at) => `${klogTime(at)}shared_informer.go:320] Caches are synced for service config`],
      ]);
    case 'control-plane': {
      const component = pod.metadata.labels?.component ?? imageRepository(image).split('/').pop() ?? '';
      const node = String(pod.spec?.nodeName ?? '');
      return timed([
        [0, (at) => `${klogTime(at)}flags.go:64] FLAG: --v="2"`],
        [40, (at) => `${klogTime(at)}server.go:559] external host was not specified, using ${node}`],
        [
          900,
          (at) =>
            component === 'etcd'
              ? `{"level":"info","ts":"${new Date(at).toISOString()}","caller":"etcdserver/server.go:2068","msg":"published local member to cluster through raft","local-member-attributes":"{Name:${node}}"}`
              : `${klogTime(at)}healthz.go:176] healthz check passed`,
        ],
      ]);
    }
    case 'generic': {
      const port = container.ports?.[0]?.containerPort;
      const app = imageRepository(image).split('/').pop() ?? container.name;
      const iso = (at: number): string => new Date(at).toISOString();
      return timed([
        [200, (at) => `${iso(at)} INFO starting ${app} ${version}`],
        ...(port !== undefined
          ? [[1500, (at: number) => `${iso(at)} INFO listening on :${port}`] as [number, (at: number) => string]]
          : []),
      ]);
    }
  }
}

/** The last words of a process that crashes (the crash message), as the image's logger writes them. */
export function crashLine(pod: KubeObject, image: string, message: string): (at: number) => string {
  switch (imageKind(pod, image)) {
    case 'tomcat':
      return (at) => `${tomcatTime(at)} SEVERE [main] org.apache.catalina.startup.Catalina.start ${message}`;
    case 'control-plane':
    case 'kube-proxy':
      return (at) => `${klogTime(at, 'E')}run.go:72] ${message}`;
    default:
      return () => message;
  }
}
