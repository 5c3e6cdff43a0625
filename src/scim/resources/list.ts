import { URN } from '../schema/types.js';
import type { ScimObject } from './values.js';

/** RFC 7644 §3.4.2: the counts are JSON numbers (Okta checks, O-19); `Resources` always present. */
export function listResponse(
  resources: readonly ScimObject[],
  page: { totalResults: number; startIndex: number },
): ScimObject {
  return {
    schemas: [URN.listResponse],
    totalResults: page.totalResults,
    startIndex: page.startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
