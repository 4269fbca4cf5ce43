/**
 * A minimal Payara domain for the asadmin driver's tests, until the Payara lab
 * (`test/support/payara-lab.ts`) lands: a DAS and two instances in one deployment group, each with
 * a jvmRoute, web-container, http-service and thread-pool monitoring HIGH, a standalone instance
 * `spare1` never started, and the file session store, and a tiny
 * servlet built here with javac (version header, per-session hit counter, `/logout`, `?delayMs=`,
 * and a `brokenOn` context parameter that makes it fail to start on the instances it names).
 *
 * Ports are taken from 34000-35999 only (another helper runs Payara elsewhere). Everything lives in
 * one temp folder; `stop()` stops the domain and its instances and removes the folder.
 */
import { execFileSync, execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { estateSchema, type Estate } from '../../src/model';

const run = promisify(execFile);
const zip = path.join(os.homedir(), '.m2/repository/fish/payara/distributions/payara/6.2025.9/payara-6.2025.9.zip');

/** A running minimal domain. */
export interface PayaraMinimal {
  estate: Estate;
  dir: string;
  asadmin: string;
  /** Builds the test war of `version` (`brokenOn`: instances it fails to start on); its path. */
  war(version: string, brokenOn?: readonly string[]): string;
  stop(): Promise<void>;
}

const servlet = `package drv;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.*;
import java.io.IOException;
import java.util.Arrays;
@WebServlet(urlPatterns = "/*", loadOnStartup = 1)
public class HitServlet extends HttpServlet {
  @Override public void init() throws ServletException {
    String broken = getServletContext().getInitParameter("brokenOn");
    String me = System.getProperty("com.sun.aas.instanceName");
    if (broken != null && Arrays.asList(broken.split(",")).contains(me)) throw new ServletException("broken on " + me);
  }
  @Override protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
    String version = getServletContext().getInitParameter("version");
    if (req.getPathInfo() != null && req.getPathInfo().startsWith("/logout")) {
      HttpSession s = req.getSession(false);
      if (s != null) s.invalidate();
      res.setHeader("X-Turnout-Version", version);
      res.getWriter().print("{}");
      return;
    }
    String delay = req.getParameter("delayMs");
    if (delay != null) try { Thread.sleep(Long.parseLong(delay)); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
    HttpSession s = req.getSession(true);
    Integer hits = (Integer) s.getAttribute("hits");
    hits = hits == null ? 1 : hits + 1;
    s.setAttribute("hits", hits);
    res.setHeader("X-Turnout-Version", version);
    res.setContentType("application/json");
    res.getWriter().print("{\\"version\\":\\"" + version + "\\",\\"server\\":\\"" + System.getProperty("com.sun.aas.instanceName") + "\\",\\"hits\\":" + hits + ",\\"newSession\\":" + s.isNew() + "}");
  }
}
`;

/** Creates and starts the domain (about 1.5–2 minutes on 2 cores). `base` is a port base in 34000-35999. */
export async function startPayaraMinimal(base = 34400): Promise<PayaraMinimal> {
  if (!existsSync(zip)) throw new Error(`the Payara zip is missing: ${zip} (scripts/provision.js fetches it)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'turnout-payara-'));
  execFileSync('unzip', ['-q', zip, '-d', dir]);
  const asadmin = path.join(dir, 'payara6', 'bin', 'asadmin');
  const admin = base + 48;
  const cli = (...args: string[]) => run(asadmin, ['--port', String(admin), '--interactive=false', ...args], { timeout: 10 * 60_000 });
  await run(asadmin, ['--user', 'admin', '--interactive=false', 'create-domain', '--nopassword=true', '--portbase', String(base), 'drvtest'], { timeout: 120_000 });
  await run(asadmin, ['start-domain', 'drvtest'], { timeout: 180_000 });
  await cli('create-deployment-group', 'dg1');
  const instances = ['inst1', 'inst2'];
  for (const [i, name] of instances.entries()) {
    await cli('create-instance', '--node', 'localhost-drvtest', '--portbase', String(base + 200 + i * 100), name);
    await cli('add-instance-to-deployment-group', '--instance', name, '--deploymentgroup', 'dg1');
    await cli('create-jvm-options', '--target', `${name}-config`, `-DjvmRoute=${name}`);
    const cfg = `configs.config.${name}-config`;
    // Monitoring before any traffic (session counts, requests in flight); the file session store for seed 000.
    await cli(
      'set',
      `${cfg}.monitoring-service.module-monitoring-levels.web-container=HIGH`,
      `${cfg}.monitoring-service.module-monitoring-levels.thread-pool=HIGH`,
      // The listener's thread-pool statistics appear only with http-service HIGH as well.
      `${cfg}.monitoring-service.module-monitoring-levels.http-service=HIGH`,
      `${cfg}.availability-service.web-container-availability.persistence-type=file`,
      // No Domain Data Grid: its member connections take ephemeral ports, and 34000-35999 lies in
      // Linux's ephemeral range, so one took another instance's HTTPS port and that instance failed
      // to bind (and start-local-instance then waited its full timeout). Sessions use the file store.
      `${cfg}.hazelcast-config-specific-configuration.enabled=false`,
    );
  }
  // A standalone instance that is never started: the stopped server of the session-counter contract.
  await cli('create-instance', '--node', 'localhost-drvtest', '--portbase', String(base + 400), 'spare1');
  await cli('start-deployment-group', 'dg1');
  const estate = estateSchema.parse({
    name: 'payara-minimal',
    cells: [
      {
        name: 'drvtest',
        clusters: [
          { name: 'dg1', state: 'active', servers: instances.map((name, i) => ({ name, host: '127.0.0.1', port: base + 280 + i * 100, cloneId: name })) },
          { name: 'spare', state: 'dormant', servers: [{ name: 'spare1', host: '127.0.0.1', port: base + 480, cloneId: 'spare1' }] },
        ],
      },
    ],
    virtualHosts: { production: { name: 'server', aliases: [{ host: '*', port: base + 280 }] }, test: { name: 'test', aliases: [{ host: '*', port: base + 281 }] } },
    appServer: { driver: 'asadmin', adminUrl: `http://127.0.0.1:${admin}`, command: [asadmin], user: 'admin' },
    lab: { app: 'hit', contextRoot: '/hit' },
  });
  const api = path.join(dir, 'payara6', 'glassfish', 'modules', 'jakarta.servlet-api.jar');
  const classes = path.join(dir, 'app', 'classes');
  mkdirSync(path.join(classes), { recursive: true });
  writeFileSync(path.join(dir, 'app', 'HitServlet.java'), servlet);
  execFileSync('javac', ['-cp', api, '-d', classes, path.join(dir, 'app', 'HitServlet.java')]);
  const war = (version: string, brokenOn: readonly string[] = []): string => {
    const name = `hit-${version}${brokenOn.length ? `-broken-${brokenOn.join('_')}` : ''}`;
    const out = path.join(dir, 'app', `${name}.war`);
    if (existsSync(out)) return out;
    const root = path.join(dir, 'app', name);
    mkdirSync(path.join(root, 'WEB-INF', 'classes'), { recursive: true });
    execFileSync('cp', ['-r', `${classes}/.`, path.join(root, 'WEB-INF', 'classes')]);
    const broken = brokenOn.length ? `<context-param><param-name>brokenOn</param-name><param-value>${brokenOn.join(',')}</param-value></context-param>` : '';
    writeFileSync(
      path.join(root, 'WEB-INF', 'web.xml'),
      `<?xml version="1.0" encoding="UTF-8"?><web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0"><distributable/><context-param><param-name>version</param-name><param-value>${version}</param-value></context-param>${broken}</web-app>`,
    );
    execFileSync('jar', ['cf', out, '-C', root, '.']);
    return out;
  };
  return {
    estate,
    dir,
    asadmin,
    war,
    stop: async () => {
      await cli('stop-deployment-group', 'dg1').catch(() => undefined);
      await run(asadmin, ['stop-domain', 'drvtest'], { timeout: 120_000 }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
