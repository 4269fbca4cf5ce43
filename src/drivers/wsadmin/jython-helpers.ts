/**
 * The Jython helper functions the generated scripts share. A script includes only the helpers it
 * names, so each script stays readable on its own.
 */

/** Helpers, each included only in the scripts that call it. */
export const helpers = {
  json: String.raw`def turnout_json(value):
    if value is None:
        return 'null'
    kind = type(value)
    if kind in (type(0), type(0L), type(0.0)):
        return str(value)
    if kind in (type([]), type(())):
        return '[' + ','.join(map(turnout_json, value)) + ']'
    if kind == type({}):
        keys = value.keys()
        keys.sort()
        return '{' + ','.join([turnout_json(k) + ':' + turnout_json(value[k]) for k in keys]) + '}'
    if kind not in (type(''), type(u'')):
        value = str(value)
    out = []
    for c in value:
        if c == '"' or c == '\\':
            out.append('\\' + c)
        elif ord(c) < 32 or ord(c) > 126:
            out.append('\\u%04x' % ord(c))
        else:
            out.append(c)
    return '"' + ''.join(out) + '"'

def turnout_result(value):
    print 'TURNOUT-RESULT ' + turnout_json(value)

def turnout_fail(message):
    print 'TURNOUT-ERROR ' + turnout_json(message)
    sys.exit(1)
`,
  save: String.raw`def turnout_save():
    AdminConfig.save()
    for sync in AdminControl.queryNames('type=NodeSync,*').splitlines():
        AdminControl.invoke(sync, 'sync')
`,
  virtualHosts: String.raw`def turnout_virtual_hosts(app):
    hosts = []
    for line in AdminApp.view(app, ['-MapWebModToVH']).splitlines():
        if line.startswith('Virtual host:'):
            host = line[len('Virtual host:'):].strip()
            if host not in hosts:
                hosts.append(host)
    return hosts
`,
  waitReady: String.raw`def turnout_wait_ready(app):
    import time
    for attempt in range(120):
        if AdminApp.isAppReady(app) == 'true':
            return
        time.sleep(5)
    turnout_fail('%s is not distributed to every node after 600 s' % app)
`,
  members: String.raw`def turnout_members():
    members = {}
    for cluster in AdminConfig.list('ServerCluster').splitlines():
        clusterName = AdminConfig.showAttribute(cluster, 'name')
        for member in AdminConfig.list('ClusterMember', cluster).splitlines():
            members[AdminConfig.showAttribute(member, 'memberName')] = (AdminConfig.showAttribute(member, 'nodeName'), clusterName)
    return members

def turnout_node(members, server):
    if not members.has_key(server):
        turnout_fail('%s is not a member of any cluster in cell %s' % (server, AdminControl.getCell()))
    return members[server][0]

def turnout_state(server, node):
    mbean = AdminControl.completeObjectName('type=Server,node=%s,name=%s,*' % (node, server))
    if mbean == '':
        return 'STOPPED'
    return AdminControl.getAttribute(mbean, 'state')
`,
  clusterApps: String.raw`def turnout_cluster_apps(cell, cluster):
    return AdminApp.list('WebSphere:cell=%s,cluster=%s' % (cell, cluster)).splitlines()
`,
  waitCluster: String.raw`def turnout_wait_cluster(mbean, want):
    import time
    for attempt in range(120):
        if AdminControl.getAttribute(mbean, 'state') == want:
            return
        time.sleep(5)
    turnout_fail('cluster %s is %s, not %s, after 600 s' % (CLUSTER, AdminControl.getAttribute(mbean, 'state'), want))
`,
  pmi: String.raw`def turnout_pmi(server, node):
    import java
    perf = AdminControl.completeObjectName('type=Perf,node=%s,process=%s,*' % (node, server))
    if perf == '':
        return None
    total = None
    for target in AdminControl.queryNames('type=%s,node=%s,process=%s,*' % (MBEAN_TYPE, node, server)).splitlines():
        stats = AdminControl.invoke_jmx(AdminControl.makeObjectName(perf), 'getStatsObject', [AdminControl.makeObjectName(target), java.lang.Boolean('false')], ['javax.management.ObjectName', 'java.lang.Boolean'])
        if stats is not None:
            statistic = stats.getStatistic(STATISTIC)
            if statistic is not None:
                total = (total or 0) + int(statistic.getCurrent())
    return total
`,
  editions: String.raw`def turnout_app_running(server, node, app):
    if AdminControl.completeObjectName('type=Application,name=%s,node=%s,process=%s,*' % (app, node, server)) == '':
        return 0
    return 1

def turnout_pid(server, node):
    mbean = AdminControl.completeObjectName('type=Server,node=%s,name=%s,*' % (node, server))
    if mbean == '':
        return None
    return AdminControl.getAttribute(mbean, 'pid')

def turnout_activate(server, node, app, others):
    manager = AdminControl.completeObjectName('type=ApplicationManager,node=%s,process=%s,*' % (node, server))
    if manager == '':
        return (0, 'no ApplicationManager MBean on %s' % server)
    changed = 0
    for other in others:
        if turnout_app_running(server, node, other):
            AdminControl.invoke(manager, 'stopApplication', other)
            changed = 1
    problem = None
    if not turnout_app_running(server, node, app):
        changed = 1
        try:
            AdminControl.invoke(manager, 'startApplication', app)
        except:
            problem = '%s did not start on %s: %s' % (app, server, sys.exc_info()[1])
    return (changed, problem)
`,
  configRoot: String.raw`def turnout_config_root(cell):
    if AdminControl.getCell() != cell:
        turnout_fail('wsadmin is connected to cell %s, not %s' % (AdminControl.getCell(), cell))
    operations = AdminControl.completeObjectName('type=AdminOperations,process=dmgr,*')
    return AdminControl.invoke(operations, 'expandVariable', '${'$'}{USER_INSTALL_ROOT}') + '/config'

def turnout_plugin_generator():
    return AdminControl.makeObjectName(AdminControl.completeObjectName('type=PluginCfgGenerator,process=dmgr,*'))
`,
  bindings: String.raw`TURNOUT_BINDING_TYPES = {'string': 'StringNameSpaceBinding', 'indirect': 'IndirectLookupNameSpaceBinding'}
TURNOUT_BINDING_ATTRIBUTES = {'string': ['stringToBind'], 'indirect': ['providerURL', 'jndiNameToLookup']}

def turnout_bindings(cell):
    found = {}
    scope = AdminConfig.getid('/Cell:%s/' % cell)
    for kind in TURNOUT_BINDING_TYPES.keys():
        for binding in AdminConfig.list(TURNOUT_BINDING_TYPES[kind], scope).splitlines():
            if binding.find('(cells/%s|' % cell) >= 0:
                found[AdminConfig.showAttribute(binding, 'nameInNameSpace')] = (kind, binding)
    return found

def turnout_binding_value(kind, binding):
    value = {'kind': kind, 'name': AdminConfig.showAttribute(binding, 'name'), 'nameInNameSpace': AdminConfig.showAttribute(binding, 'nameInNameSpace')}
    for attribute in TURNOUT_BINDING_ATTRIBUTES[kind]:
        value[attribute] = AdminConfig.showAttribute(binding, attribute)
    return value
`,
} as const;
export type Helper = keyof typeof helpers;
