import { RESOURCES, type ResourceName } from '../../kube/resources.js';
import type { Store } from '../store/store.js';
import type { Route } from './routes.js';

/**
 * kube-apiserver's /metrics in the Prometheus text format, with the series people look at first:
 * apiserver_request_total by verb, resource and code, open watches, and apiserver_storage_objects.
 */
export class ApiMetrics {
  private readonly requests = new Map<string, number>();
  private readonly startedAt = Date.now() / 1000;

  /** Count one answered request. */
  record(method: string, route: Route, query: URLSearchParams, code: number): void {
    if (route.kind !== 'resource') return;
    const r = route.req;
    const watch = r.watchPrefix || query.get('watch') === 'true' || query.get('watch') === '1';
    let verb = method;
    if (method === 'GET') verb = watch ? 'WATCH' : r.name === undefined && !r.subresource ? 'LIST' : 'GET';
    if (method === 'PATCH' && /apply/.test(query.get('fieldManager') ?? '')) verb = 'APPLY';
    const scope = r.name !== undefined ? 'resource' : r.namespace !== undefined ? 'namespace' : 'cluster';
    const labels = {
      code: String(code),
      component: 'apiserver',
      dry_run: query.getAll('dryRun').includes('All') ? 'All' : '',
      group: r.resource.group,
      resource: r.resource.plural,
      scope,
      subresource: r.subresource ?? '',
      verb,
      version: r.resource.version,
    };
    const key = labelText(labels);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  render(store: Store, openWatches: number): string {
    const out: string[] = [];
    out.push(
      '# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      '# TYPE apiserver_request_total counter',
    );
    for (const [labels, n] of [...this.requests].sort(([a], [b]) => (a < b ? -1 : 1)))
      out.push(`apiserver_request_total{${labels}} ${n}`);
    out.push(
      '# HELP apiserver_longrunning_requests [STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
      '# TYPE apiserver_longrunning_requests gauge',
      `apiserver_longrunning_requests{component="apiserver",verb="WATCH"} ${openWatches}`,
      '# HELP apiserver_storage_objects [STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
      '# TYPE apiserver_storage_objects gauge',
    );
    for (const name of Object.keys(RESOURCES) as ResourceName[]) {
      const r = RESOURCES[name];
      out.push(
        `apiserver_storage_objects{resource="${r.group ? `${r.plural}.${r.group}` : r.plural}"} ${store.count(name)}`,
      );
    }
    out.push(
      '# HELP process_start_time_seconds [ALPHA] Start time of the process since unix epoch in seconds.',
      '# TYPE process_start_time_seconds gauge',
      `process_start_time_seconds ${this.startedAt.toFixed(2)}`,
      '',
    );
    return out.join('\n');
  }
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(',');
}
