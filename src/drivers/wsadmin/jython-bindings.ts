/** Scripts for the cell-scoped configured name space bindings (seed 002, Listing 4). */
import { blockList, checkValue, dict, list, pythonString, script } from './jython-text';

/** The bodies: fixed text, reading their inputs from the parameters above them. */
const bodies = {
  readBindings: String.raw`cell = AdminControl.getCell()
bindings = turnout_bindings(cell)
values = []
for name in NAMES:
    if not bindings.has_key(name):
        turnout_fail('no configured binding %s at the scope of cell %s' % (name, cell))
    kind, binding = bindings[name]
    values.append(turnout_binding_value(kind, binding))
turnout_result({'bindings': values})
`,
  setBindings: String.raw`cell = AdminControl.getCell()
bindings = turnout_bindings(cell)
for wanted in BINDINGS:
    name = wanted['nameInNameSpace']
    if bindings.has_key(name) and bindings[name][0] != wanted['kind']:
        turnout_fail('%s is a %s binding in cell %s, not a %s one' % (name, bindings[name][0], cell, wanted['kind']))
changed = []
for wanted in BINDINGS:
    name = wanted['nameInNameSpace']
    attributes = TURNOUT_BINDING_ATTRIBUTES[wanted['kind']]
    if bindings.has_key(name):
        binding = bindings[name][1]
        modify = [[a, wanted[a]] for a in attributes if AdminConfig.showAttribute(binding, a) != wanted[a]]
        if modify:
            AdminConfig.modify(binding, modify)
            changed.append(name)
    else:
        create = [['name', wanted['name']], ['nameInNameSpace', name]] + [[a, wanted[a]] for a in attributes]
        AdminConfig.create(TURNOUT_BINDING_TYPES[wanted['kind']], AdminConfig.getid('/Cell:%s/' % cell), create)
        changed.append(name)
if changed:
    turnout_save()
after = turnout_bindings(cell)
turnout_result({'changed': changed, 'bindings': [turnout_binding_value(after[w['nameInNameSpace']][0], after[w['nameInNameSpace']][1]) for w in BINDINGS]})
`,
  listNames: String.raw`cell = AdminControl.getCell()
bindings = turnout_bindings(cell)
found = [name for name in bindings.keys() if name.startswith(PREFIX) and bindings[name][0] == 'string']
found.sort()
turnout_result({'names': [{'name': name, 'value': AdminConfig.showAttribute(bindings[name][1], 'stringToBind')} for name in found]})
`,
  bindName: String.raw`cell = AdminControl.getCell()
bindings = turnout_bindings(cell)
changed = 0
if bindings.has_key(NAME):
    kind, binding = bindings[NAME]
    if kind != 'string':
        turnout_fail('%s is a %s binding in cell %s, not a string one' % (NAME, kind, cell))
    if AdminConfig.showAttribute(binding, 'stringToBind') != VALUE:
        AdminConfig.modify(binding, [['stringToBind', VALUE]])
        changed = 1
else:
    AdminConfig.create('StringNameSpaceBinding', AdminConfig.getid('/Cell:%s/' % cell), [['name', NAME], ['nameInNameSpace', NAME], ['stringToBind', VALUE]])
    changed = 1
if changed:
    turnout_save()
after = turnout_bindings(cell)
if not after.has_key(NAME):
    turnout_fail('%s is not bound in cell %s after saving' % (NAME, cell))
turnout_result({'name': NAME, 'changed': changed, 'binding': turnout_binding_value(after[NAME][0], after[NAME][1])})
`,
  unbindName: String.raw`cell = AdminControl.getCell()
bindings = turnout_bindings(cell)
removed = 0
if bindings.has_key(NAME):
    AdminConfig.remove(bindings[NAME][1])
    removed = 1
    turnout_save()
if turnout_bindings(cell).has_key(NAME):
    turnout_fail('%s is still bound in cell %s after saving' % (NAME, cell))
turnout_result({'name': NAME, 'removed': removed})
`,
} as const;

/** A cell-scoped configured binding with wsadmin's attribute names; `nameInNameSpace` is relative to `cell/persistent`. */
export type WsadminBinding =
  | { kind: 'string'; name: string; nameInNameSpace: string; stringToBind: string }
  | { kind: 'indirect'; name: string; nameInNameSpace: string; providerURL: string; jndiNameToLookup: string };

/** Reads the cell-scoped bindings with these names in the name space; a missing one fails the script. */
export function readBindingsScript(namesInNameSpace: readonly string[]): string {
  const literals = namesInNameSpace.map((n, i) => pythonString(checkValue(n, `$[${i}]`)));
  return script('read-bindings', [['NAMES', list(literals)]], ['json', 'bindings'], bodies.readBindings);
}

function bindingLiteral(b: WsadminBinding, i: number): string {
  const at = (field: string, value: string): [string, string] => [field, pythonString(checkValue(value, `$[${i}].${field}`))];
  const common: [string, string][] = [['kind', pythonString(b.kind)], at('name', b.name), at('nameInNameSpace', b.nameInNameSpace)];
  const values = b.kind === 'string' ? [at('stringToBind', b.stringToBind)] : [at('providerURL', b.providerURL), at('jndiNameToLookup', b.jndiNameToLookup)];
  return dict([...common, ...values]);
}

/**
 * Sets cell-scoped StringNameSpaceBinding (`stringToBind`) and IndirectLookupNameSpaceBinding
 * (`providerURL`, `jndiNameToLookup`) values, found by `nameInNameSpace` and created when missing.
 * Idempotent: saves and synchronizes only when something changed.
 */
export function setBindingsScript(bindings: readonly WsadminBinding[]): string {
  return script('set-bindings', [['BINDINGS', blockList(bindings.map(bindingLiteral))]], ['json', 'save', 'bindings'], bodies.setBindings);
}


/**
 * The cell-scoped string bindings whose `nameInNameSpace` starts with `prefix`, sorted: the plain
 * names of clusters' resource bindings (seed 003). An empty prefix lists them all.
 */
export function listNamesScript(prefix: string): string {
  return script('list-names', [['PREFIX', pythonString(prefix)]], ['json', 'bindings'], bodies.listNames);
}

/**
 * Binds `name` (relative to `cell/persistent`) to a string as a cell-scoped
 * StringNameSpaceBinding, created when missing; a binding of the same value is left alone, and one
 * of another kind fails the script. Saves and synchronizes only when something changed.
 */
export function bindNameScript(name: string, value: string): string {
  return script(
    'bind-name',
    [
      ['NAME', pythonString(checkValue(name, '$.name'))],
      ['VALUE', pythonString(checkValue(value, '$.value'))],
    ],
    ['json', 'save', 'bindings'],
    bodies.bindName,
  );
}

/** Removes the cell-scoped binding of `name`; a name not bound is left alone. Saves and synchronizes only when something changed. */
export function unbindNameScript(name: string): string {
  return script('unbind-name', [['NAME', pythonString(checkValue(name, '$.name'))]], ['json', 'save', 'bindings'], bodies.unbindName);
}
