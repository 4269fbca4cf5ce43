/**
 * The loadbalancer.xml driver (seed 004): lossless parsing, the read-only view, the seed's edits on
 * instances, web modules and clusters, a fresh file for an estate, and diffs. Pure; the files reach
 * the load balancers through the config-file stores (`../config-file`).
 */
export { attributeOrder, editLoadBalancerXml, LoadBalancerXmlError, parseLoadBalancerXmlDocument, renderLoadBalancerXmlDocument, UnknownLoadBalancerNameError, type LoadBalancerXmlDocument, type LoadBalancerXmlThing } from './loadbalancer-xml-document';
export { defaultDisableTimeoutMinutes, defaultHealthChecker, readLoadBalancerConfig, type LbCluster, type LbHealthChecker, type LbInstance, type LbWebModule, type LoadBalancerConfig } from './config';
export { addInstance, disableInstance, disableWebModule, enableInstance, enableWebModule, removeInstance, setClusterInstancesEnabled, setDisableTimeout, setInstanceEnabled, setWebModuleEnabled, type InstanceRef, type NewInstance, type WebModuleRef } from './operations';
export { addCluster, removeCluster, setHealthChecker, type NewCluster, type NewWebModule } from './cluster-operations';
export { initialLoadBalancerXml, type InitialLoadBalancerXmlOptions } from './initial';
export { diffLoadBalancerXml, renderLoadBalancerXmlDiff, type LbHealthCheckerAttribute, type LbInstanceAttribute, type LbWebModuleAttribute, type LoadBalancerXmlChange } from './diff';
export { decodeXml as decodeLoadBalancerXml, encodeXml as encodeLoadBalancerXml } from '../xml/encoding';
export { quiescingPeriodOf, type QuiescedThing } from './quiescing';
