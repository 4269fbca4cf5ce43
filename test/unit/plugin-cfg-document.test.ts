import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allHttpServers, renderCellPluginCfg } from '../../src/lab/plugin-cfg-initial';
import { PluginCfgError, decodePluginCfg, encodePluginCfg, parsePluginCfgDocument, renderPluginCfgDocument } from '../../src/drivers/plugin-cfg';
import { labEstateForTest } from '../support/lab-estate';

const fixtures = join(__dirname, '..', 'fixtures', 'plugin-cfg');
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');
const roundTrip = (xml: string): string => renderPluginCfgDocument(parsePluginCfgDocument(xml));

function parseError(xml: string): string {
  try {
    parsePluginCfgDocument(xml);
  } catch (err) {
    expect(err).toBeInstanceOf(PluginCfgError);
    return (err as Error).message;
  }
  throw new Error('parsed without error');
}

describe('plugin-cfg document', () => {
  it.each(['seed-start.xml', 'seed-transition.xml', 'seed-group1.xml', 'seed-final.xml', 'cell-x.xml', 'cell-y.xml', 'merged.xml'])('renders an untouched %s back byte for byte', (name) => {
    const xml = fixture(name);
    expect(roundTrip(xml)).toBe(xml);
  });

  it('renders the lab starting files back byte for byte', () => {
    for (const file of ['lab.json', 'lab-multi-cell.json']) {
      const estate = labEstateForTest(0, join('/tmp', 'turnout-unit-plugin-cfg'), file);
      for (const { cell, httpServer } of allHttpServers(estate)) {
        const xml = renderCellPluginCfg(estate, cell, httpServer.refreshIntervalSeconds);
        expect(roundTrip(xml)).toBe(xml);
      }
    }
  });

  it('keeps what general-purpose parsers normalise: quotes, spacing, entities, CDATA, DOCTYPE, no trailing newline', () => {
    const xml = "\uFEFF<?xml version='1.0'?>\n<!DOCTYPE Config [<!ENTITY x \"y\">]>\n<Config  A = 'x &amp; &#34;y&#x22;'\tB=\"&lt;1&gt;\" >\r\n <Log\n   Name=\"a\"\n/><![CDATA[ <raw> & ]]><?pi stuff?>text &amp; more<!--c--></Config  >";
    expect(roundTrip(xml)).toBe(xml);
    const root = parsePluginCfgDocument(xml).root;
    expect(root.attributes.map((a) => [a.name, a.value])).toEqual([
      ['A', 'x & "y"'],
      ['B', '<1>'],
    ]);
  });

  it('renders deterministically', () => {
    const doc = parsePluginCfgDocument(fixture('seed-start.xml'));
    expect(renderPluginCfgDocument(doc)).toBe(renderPluginCfgDocument(doc));
  });

  it.each([
    ['<Config>\n  <Server>\n  </Transport>\n</Config>', 'line 3: </Transport> does not close <Server> (opened at line 2)'],
    ['<Config>\n  <Server Name="a">\n', '<Server> opened at line 2 is never closed'],
    ['<Config>\n<Server Name=a/></Config>', 'line 2: <Server>: the value of Name is not quoted'],
    ['<Config>\n<Server Name="a" Name="b"/></Config>', 'line 2: <Server>: attribute Name appears twice'],
    ['<Config>\n<Server Name/></Config>', 'line 2: <Server>: attribute Name has no value'],
    ['<Config>\n<Server Name="a &nbsp; b"/></Config>', "line 2: <Server> Name: unknown entity '&nbsp;'"],
    ['<Config>\n<Server Name="a"></Server>\n</Config>\n<Config/>', 'line 4: a second root element <Config> (the root is <Config>)'],
    ['<Config/>\ntrailing', 'line 2: text outside the root element'],
    ['<Config>\n<!-- never closed\n</Config>', 'line 2: unterminated comment'],
    ['<Config>\n<Route x="1"', 'line 2: unterminated start tag <Route>'],
    ['', 'no root element: the file is empty or holds no <Config>'],
    ['\n<?xml version="1.0"?><Config/>', 'line 2: the XML declaration must come first in the file'],
    ['<?xml version="1.0"?>\n<Configuration/>', 'line 2: the root element is <Configuration>, not <Config>'],
    ['<Config>\n a & b</Config>', "line 2: unescaped '&' in text"],
  ])('reports %j clearly', (xml, message) => {
    expect(parseError(xml)).toBe(message);
  });

  it('keeps ISO-8859-1 bytes as they were', () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>\n<Config><!-- caf'), Buffer.from([0xe9]), Buffer.from(' --></Config>\n')]);
    const text = decodePluginCfg(bytes);
    expect(text).toContain('café');
    expect(encodePluginCfg(roundTrip(text)).equals(bytes)).toBe(true);
    const utf8 = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<Config><!-- café --></Config>\n', 'utf8');
    expect(encodePluginCfg(decodePluginCfg(utf8)).equals(utf8)).toBe(true);
  });
});
