/** The lab's URLs as lines a person reads, for `turnout lab up` and the `turnout dev --lab` banner. */
import type { LabUrls } from '../lab/lab';

/** One line per service: what it is, then where it answers. */
export function formatLabUrls(urls: LabUrls, indent = '  '): string {
  const lines = [
    urls.app && `${indent}${`app (through ${urls.sprayer ? 'the sprayer' : urls.loadBalancers ? 'a load balancer' : 'a web server'})`.padEnd(26)} ${urls.app}`,
    urls.sprayer && `${indent}IP sprayer (HAProxy)       ${urls.sprayer}`,
    urls.sprayerTest && `${indent}test route (HAProxy)       ${urls.sprayerTest}`,
    urls.runtimeApi && `${indent}HAProxy runtime API        ${urls.runtimeApi}`,
    urls.admin && `${indent}dmgr admin                 ${urls.admin}`,
    urls.naming && `${indent}naming                     ${urls.naming}`,
    ...Object.entries(urls.loadBalancers ?? {}).map(([name, u]) => `${indent}load balancer ${name.padEnd(12)} ${u}  (state ${u}/__lb/state)`),
    ...Object.entries(urls.webServers).map(([name, w]) => `${indent}web server ${name.padEnd(15)} ${w.prod}${w.test ? `  (test VIP ${w.test})` : ''}`),
    ...Object.entries(urls.appServers).map(([name, u]) => `${indent}app server ${name.padEnd(15)} ${u}`),
  ];
  return lines.filter(Boolean).join('\n');
}
