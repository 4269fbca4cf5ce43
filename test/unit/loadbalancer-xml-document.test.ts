import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeLoadBalancerXml, encodeLoadBalancerXml, LoadBalancerXmlError, parseLoadBalancerXmlDocument, readLoadBalancerConfig, renderLoadBalancerXmlDocument } from '../../src/drivers/loadbalancer-xml';

const fixtures = join(__dirname, '..', 'fixtures', 'loadbalancer-xml');
const bytes = (name: string): Buffer => readFileSync(join(fixtures, name));
const seedFiles = ['seed-defining-a-cluster.xml', 'seed-adding-an-instance.xml', 'seed-deploying-a-web-module.xml', 'seed-sample.xml', 'seed-sample-as-printed.xml', 'lab-lb.xml'];

describe('loadbalancer.xml document', () => {
  it.each(seedFiles)('renders %s back byte for byte', (name) => {
    const original = bytes(name);
    const text = decodeLoadBalancerXml(original);
    expect(encodeLoadBalancerXml(renderLoadBalancerXmlDocument(parseLoadBalancerXmlDocument(text)))).toEqual(original);
  });

  it("reads the seed's sample into plain data, defaults applied", () => {
    const config = readLoadBalancerConfig(bytes('seed-sample.xml').toString('utf8'));
    expect(config.name).toBe('loadbalancer1');
    expect(config.clusters).toEqual([
      {
        name: 'cluster1',
        instances: [
          { name: 'myinstance1', enabled: true, disableTimeoutMinutes: 31, listeners: ['http://www.example.com:41', 'https://www.example.com:42'] },
          { name: 'myinstance2', enabled: true, disableTimeoutMinutes: 31, listeners: ['http://www.example.com:43', 'https://www.example.com:44'] },
        ],
        webModules: [
          { contextRoot: '/fortune', enabled: true, disableTimeoutMinutes: 31 },
          { contextRoot: '/shopping', enabled: true, disableTimeoutMinutes: 31 },
        ],
        healthChecker: { url: '/', intervalSeconds: 10, timeoutSeconds: 10 },
      },
    ]);
    expect(readLoadBalancerConfig(bytes('seed-adding-an-instance.xml').toString('utf8')).clusters[0]?.instances[0]?.disableTimeoutMinutes).toBe(36);
  });

  it.each([
    ['<loadbalancer name="lb">\n<cluster name=mycluster1>\n</cluster>\n</loadbalancer>', 'line 2: <cluster>: the value of name is not quoted'],
    ['<loadbalancer>\n  <cluster name="c">\n  </instance>\n</loadbalancer>', 'line 3: </instance> does not close <cluster> (opened at line 2)'],
    ['', 'no root element: the file is empty or holds no <loadbalancer>'],
    ['<?xml version="1.0"?>\n<Config/>', 'line 2: the root element is <Config>, not <loadbalancer>'],
  ])('rejects bad XML with what and where: %j', (xml, message) => {
    expect(() => parseLoadBalancerXmlDocument(xml)).toThrow(new LoadBalancerXmlError(message));
    expect(() => readLoadBalancerConfig(xml)).toThrow(LoadBalancerXmlError);
  });

  it('names a missing or non-numeric attribute', () => {
    expect(() => readLoadBalancerConfig('<loadbalancer name="lb">\n<cluster name="c"><instance name="i"/></cluster></loadbalancer>')).toThrow('instance (line 2) has no listeners');
    expect(() => readLoadBalancerConfig('<loadbalancer name="lb"><cluster name="c"><web-module context-root="/x" disable-timeout-in-minutes="soon"/></cluster></loadbalancer>')).toThrow('disable-timeout-in-minutes="soon" is not a number');
  });
});
