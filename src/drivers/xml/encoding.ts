/**
 * Configuration files are often declared `encoding="ISO-8859-1"` (GenPluginCfg writes that for
 * plugin-cfg.xml), so reading them as UTF-8 would change any byte above 0x7F on the way back out.
 * These decide the encoding from the XML declaration, so text round-trips to the same bytes.
 */

const declaration = /^(?:\uFEFF|\u00EF\u00BB\u00BF)?<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/;

function encodingOf(head: string): 'latin1' | 'utf8' {
  const declared = declaration.exec(head)?.[1]?.toLowerCase();
  return declared === 'iso-8859-1' || declared === 'latin1' || declared === 'latin-1' ? 'latin1' : 'utf8';
}

/** The Node encoding the file's XML declaration names: latin1 for ISO-8859-1, otherwise UTF-8. */
export function xmlEncoding(bytes: Uint8Array): 'latin1' | 'utf8' {
  // The declaration is ASCII in both encodings, and comes first.
  return encodingOf(Buffer.from(bytes.subarray(0, 200)).toString('latin1'));
}

/** The file's bytes as text, decoded as its XML declaration says. */
export function decodeXml(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString(xmlEncoding(bytes));
}

/** Text back to bytes in the encoding its XML declaration names. */
export function encodeXml(text: string): Buffer {
  return Buffer.from(text, encodingOf(text.slice(0, 200)));
}
