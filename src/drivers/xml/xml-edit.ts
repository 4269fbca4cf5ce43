/**
 * Small edits on an XmlDocument that keep the file's layout: an element added beside a
 * sibling takes the sibling's indentation, a removed element takes its own line with it, and a
 * moved element is re-indented to its new depth. Nothing else in the tree is touched.
 */
import { escapeAttribute, type XmlAttribute, type XmlElement, type XmlNode } from './xml-document';

/** The element children of `parent`, optionally only those named `name`. */
export function childElements(parent: XmlElement, name?: string): XmlElement[] {
  return parent.children.filter((c): c is XmlElement => c.kind === 'element' && (name === undefined || c.name === name));
}

/** The decoded value of an attribute, or undefined. */
export function attribute(element: XmlElement, name: string): string | undefined {
  return element.attributes.find((a) => a.name === name)?.value;
}

/**
 * Sets an attribute. An existing one keeps its place, spacing and quotes; a new one goes where
 * `order` puts it among the others (names not in `order` come last), or by default where
 * alphabetical order puts it, as GenPluginCfg writes them.
 */
export function setAttribute(element: XmlElement, name: string, value: string, order?: readonly string[]): void {
  const existing = element.attributes.find((a) => a.name === name);
  if (existing) {
    if (existing.value === value) return;
    existing.value = value;
    existing.rawValue = escapeAttribute(value, existing.quote);
    return;
  }
  const added: XmlAttribute = { name, value, lead: ' ', eq: '=', quote: '"', rawValue: escapeAttribute(value) };
  const rank = (n: string): number => {
    const i = order?.indexOf(n) ?? -1;
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const at = element.attributes.findIndex((a) => (order ? rank(a.name) > rank(name) : a.name > name));
  element.attributes.splice(at < 0 ? element.attributes.length : at, 0, added);
}

/** A new element with plain `Name="value"` attributes. */
export function createElement(name: string, attributes: Record<string, string>, children: XmlNode[] = []): XmlElement {
  const attrs: XmlAttribute[] = Object.entries(attributes).map(([n, value]) => ({ name: n, value, lead: ' ', eq: '=', quote: '"', rawValue: escapeAttribute(value) }));
  return { kind: 'element', name, attributes: attrs, children, selfClosing: children.length === 0, openTail: '', closeTag: '', line: 0 };
}

/**
 * The indentation of a child: the whitespace after the last line break before it; undefined when
 * it shares its line with something else. `index` saves a search when the caller knows it.
 */
export function indentOf(parent: XmlElement, child: XmlElement, index = parent.children.indexOf(child)): string | undefined {
  const before = parent.children[index - 1];
  if (before?.kind !== 'text' || before.text.trim() !== '' || !before.text.includes('\n')) return undefined;
  return before.text.slice(before.text.lastIndexOf('\n') + 1);
}

function reindentText(text: string, from: string, to: string, scale: number): string {
  return text
    .split('\n')
    .map((line, i) => {
      if (i === 0 || !line.startsWith(from)) return line;
      const rest = line.slice(from.length);
      const extra = /^ */.exec(rest)?.[0].length ?? 0;
      return to + ' '.repeat(Math.round(extra * scale)) + rest.slice(extra);
    })
    .join('\n');
}

/**
 * Moves every line inside `element` that starts with `from` to start with `to`; the spaces beyond
 * that are multiplied by `scale` (for a file indented in other steps, such as 4 instead of 2).
 */
export function reindent(element: XmlElement, from: string, to: string, scale = 1): void {
  if (from === to && scale === 1) return;
  for (const a of element.attributes) a.lead = reindentText(a.lead, from, to, scale);
  element.openTail = reindentText(element.openTail, from, to, scale);
  for (const child of element.children) {
    if (child.kind === 'text') child.text = reindentText(child.text, from, to, scale);
    else if (child.kind === 'element') reindent(child, from, to, scale);
  }
}

/** An element on its way into a parent, with the indentation it had where it came from (if known). */
export interface Carried {
  element: XmlElement;
  fromIndent?: string | undefined;
}

const isBlank = (node: XmlNode | undefined): boolean => node?.kind === 'text' && node.text.trim() === '';

/**
 * Removes `elements` (children of `parent`), each with the whitespace that opened its line, in one
 * pass. Returns them with the indentation they had, ready to be inserted elsewhere.
 */
export function removeElements(parent: XmlElement, elements: readonly XmlElement[]): Carried[] {
  const wanted = new Set<XmlNode>(elements);
  const indents = new Map<XmlNode, string | undefined>();
  const kept: XmlNode[] = [];
  parent.children.forEach((node, i) => {
    if (!wanted.has(node)) return kept.push(node);
    const before = parent.children[i - 1];
    indents.set(node, indentOf(parent, node as XmlElement, i));
    // The whitespace before it opened its line; the previous node was kept, so it is last in `kept`.
    if (isBlank(before) && kept.at(-1) === before) kept.pop();
  });
  parent.children = kept;
  return elements.filter((e) => indents.has(e)).map((element) => ({ element, fromIndent: indents.get(element) }));
}

/** Removes `child` and the whitespace that opened its line. */
export function removeElement(parent: XmlElement, child: XmlElement): void {
  removeElements(parent, [child]);
}

function placed(items: readonly Carried[], indent: string | undefined, scale: number): XmlNode[] {
  return items.flatMap(({ element, fromIndent }) => {
    if (indent !== undefined && fromIndent !== undefined) reindent(element, fromIndent, indent, scale);
    return indent === undefined ? [element] : [{ kind: 'text' as const, text: `\n${indent}` }, element];
  });
}

/**
 * Inserts the carried elements, each on its own line, right after `ref`, indented like `ref`;
 * their inner lines follow them (see `reindent`).
 */
export function insertAfter(parent: XmlElement, ref: XmlElement, items: readonly Carried[], scale = 1): void {
  const at = parent.children.indexOf(ref);
  parent.children.splice(at + 1, 0, ...placed(items, indentOf(parent, ref, at), scale));
}

/** Inserts the carried elements, each on its own line, right before `ref`, indented like `ref`. */
export function insertBefore(parent: XmlElement, ref: XmlElement, items: readonly Carried[], scale = 1): void {
  const at = parent.children.indexOf(ref);
  const indent = indentOf(parent, ref, at);
  const nodes = placed(items, indent, scale);
  // `placed` puts each line break before its element; before `ref` the last one moves after.
  if (indent !== undefined) nodes.push(nodes.shift() as XmlNode);
  parent.children.splice(at, 0, ...nodes);
}

/**
 * Appends the carried elements after the last element child of `parent`, whose own indentation
 * is `parentIndent`; with no sibling to copy, they go two spaces deeper (GenPluginCfg's step).
 */
export function appendElements(parent: XmlElement, items: readonly Carried[], parentIndent: string, scale = 1): void {
  if (items.length === 0) return;
  const last = childElements(parent).at(-1);
  if (last) return insertAfter(parent, last, items, scale);
  if (parent.selfClosing) {
    parent.selfClosing = false;
    parent.openTail = '';
  }
  const nodes = placed(items, parentIndent + '  ', scale);
  const trailing = parent.children.at(-1);
  if (trailing?.kind === 'text' && trailing.text.includes('\n')) parent.children.splice(parent.children.length - 1, 0, ...nodes);
  else parent.children.push(...nodes, { kind: 'text', text: `\n${parentIndent}` });
}
