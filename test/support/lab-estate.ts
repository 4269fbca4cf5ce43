/**
 * The lab estate for tests: a shipped estate with every port shifted and every path inside a test
 * folder. Use an offset per test file (10000, 11000, ... up to 22000; negative ones such as -4000
 * and -2000 work too, down to -7056, where the sprayer's 8080 reaches the privileged ports).
 */
export { relocateLabEstate as labEstateForTest } from '../../src/lab/relocate-estate';
