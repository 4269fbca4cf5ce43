/**
 * The lossless XML shared by the configuration-file drivers (plugin-cfg.xml, loadbalancer.xml):
 * a document that renders back byte for byte, layout-keeping edits, and encoding by declaration.
 */
export { escapeAttribute, parseXmlDocument, renderXmlDocument, XmlError, type ParseXmlOptions, type XmlAttribute, type XmlDocument, type XmlElement, type XmlErrorFactory, type XmlNode, type XmlRaw, type XmlText } from './xml-document';
export { appendElements, attribute, childElements, createElement, indentOf, insertAfter, insertBefore, reindent, removeElement, removeElements, setAttribute, type Carried } from './xml-edit';
export { decodeXml, encodeXml, xmlEncoding } from './encoding';
