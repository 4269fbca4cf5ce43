/**
 * The lab estate for tests: a shipped estate with every port shifted and every path inside a test
 * folder. Use an offset per test file (10000, 11000, ... up to 22000).
 */
export { relocateLabEstate as labEstateForTest } from '../../src/lab/relocate-estate';
