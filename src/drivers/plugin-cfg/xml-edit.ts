/** The layout-keeping XML edits, now shared with loadbalancer.xml in `../xml`; kept here for existing imports. */
export { appendElements, attribute, childElements, createElement, indentOf, insertAfter, insertBefore, reindent, removeElement, removeElements, setAttribute, type Carried } from '../xml/xml-edit';
