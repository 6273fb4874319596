import type { KubeObject } from '../../kube/objects.js';
import type { PodRuntime } from './pod-runtime.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Tomcat's log timestamp: "21-Jan-2026 00:00:03.120". */
function tomcatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

/** klog's header: "I0101 00:00:03.120000       1 ". */
function klogTime(ms: number, level = 'I'): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000       1 `;
}

function startupLines(pod: KubeObject, container: string, startedAt: number): string[] {
  const image =
    ((pod.spec?.containers ?? []) as { name: string; image?: string }[]).find((c) => c.name === container)?.image ?? '';
  const component = pod.metadata.labels?.component;
  if (component && pod.metadata.namespace === 'kube-system') {
    return [
      `${klogTime(startedAt)}server.go:559] external host was not specified, using default`,
      `${klogTime(startedAt + 40)}flags.go:33] FLAG: --v="2"`,
      `${klogTime(startedAt + 900)}${component === 'etcd' ? 'etcdserver: published {Name:' + String(pod.spec?.nodeName) + '} to cluster' : 'healthz.go:170] healthz check passed'}`,
    ];
  }
  const t = (off: number): string => tomcatTime(startedAt + off);
  const lines = [
    `${t(120)} INFO [main] org.apache.catalina.startup.VersionLoggerListener.log Server version:        Apache Tomcat/8.5.40`,
    `${t(125)} INFO [main] org.apache.catalina.startup.VersionLoggerListener.log CATALINA_BASE:         /usr/local/tomcat`,
    `${t(410)} INFO [main] org.apache.coyote.AbstractProtocol.init Initializing ProtocolHandler ["http-nio-8080"]`,
    `${t(980)} INFO [main] org.apache.catalina.core.StandardService.startInternal Starting service [Catalina]`,
    `${t(1020)} INFO [localhost-startStop-1] org.apache.catalina.startup.HostConfig.deployWAR Deploying web application archive [/usr/local/tomcat/webapps/ROOT.war]`,
  ];
  if (image)
    lines.unshift(`${t(100)} INFO [main] org.apache.catalina.startup.VersionLoggerListener.log Image: ${image}`);
  return lines;
}

/**
 * What `kubectl logs <pod> -c <container> [--previous]` prints for a simulated container: Tomcat-style startup
 * lines, and for a crashed container its last words. Undefined when there is no such container to read.
 */
export function renderLogs(
  pod: KubeObject,
  rt: PodRuntime | undefined,
  container: string,
  previous = false,
): string[] | undefined {
  const state = rt?.logState(container);
  if (!state) return undefined;
  const s = previous ? state.last : state.current;
  if (!s) return undefined;
  if (s.kind === 'waiting') return [];
  const lines = startupLines(pod, container, s.startedAt);
  if (s.kind === 'running') {
    lines.push(
      `${tomcatTime(s.startedAt + 2861)} INFO [main] org.apache.catalina.startup.Catalina.start Server startup in 2861 ms`,
    );
    return lines;
  }
  if (s.reason === 'OOMKilled') {
    lines.push(
      `${tomcatTime(s.finishedAt - 200)} SEVERE [http-nio-8080-exec-7] java.lang.OutOfMemoryError: Java heap space`,
    );
  } else if (s.message) {
    lines.push(`${tomcatTime(s.finishedAt)} SEVERE [main] org.apache.catalina.startup.Catalina.start ${s.message}`);
  }
  return lines;
}
