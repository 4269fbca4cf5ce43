/**
 * plugin-cfg.xml as an ordered document that renders back byte for byte: the shared lossless XML
 * of `../xml`, with `<Config>` as the root and {@link PluginCfgError} for everything wrong.
 */
import { parseXmlDocument, renderXmlDocument, type XmlDocument, type XmlElement } from '../xml/xml-document';

export { escapeAttribute, type XmlAttribute, type XmlElement, type XmlNode, type XmlRaw, type XmlText } from '../xml/xml-document';

/** A plugin-cfg.xml that cannot be read or transformed; the message says what and where. */
export class PluginCfgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginCfgError';
  }
}

/** The whole file: top-level nodes in order, one of which is the `<Config>` root. */
export type PluginCfgDocument = XmlDocument;

/** Parses plugin-cfg.xml; the root must be `<Config>`. Throws PluginCfgError saying what and where. */
export function parsePluginCfgDocument(xml: string): PluginCfgDocument {
  return parseXmlDocument(xml, { root: 'Config', error: (message) => new PluginCfgError(message) });
}

/** Renders a document (or one element) back to text. An untouched parse renders byte for byte as read. */
export function renderPluginCfgDocument(doc: PluginCfgDocument | XmlElement): string {
  return renderXmlDocument(doc);
}
