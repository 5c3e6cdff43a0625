import type { GroupRef } from '../roles/types.js';
import type { GraphClient, GraphGroup } from './microsoft-graph.js';

export interface EntraGroups {
  groups: GroupRef[];
  /** False when Graph could not give a full answer the decision depends on. */
  complete: boolean;
  /** Group ids assigned to the enterprise app, when a service principal is configured. */
  assigned: Set<string> | null;
  /** What went wrong, for the log and the audit trail (never includes secrets). */
  problems: string[];
}

export interface EntraGroupInput {
  oid: string;
  /** Group ids from the token; null when the token signalled overage (or carried no groups claim). */
  tokenGroupIds: readonly string[] | null;
  servicePrincipalId?: string | undefined;
  /** Whether sync is limited to groups assigned to the app: then the assignment list is required. */
  needAssigned: boolean;
}

/**
 * Gathers a person's Entra groups with their display names. Graph is asked with URLs Gatehouse
 * builds itself (never an endpoint named in a token). The token's ids are authoritative when
 * present; Graph then only names them. On overage, Graph's transitive membership is the list.
 * A Graph failure never invents membership: overage without Graph means "incomplete".
 */
export async function entraGroups(
  graph: GraphClient | null,
  input: EntraGroupInput,
): Promise<EntraGroups> {
  const problems: string[] = [];
  let fromGraph: GraphGroup[] | null = null;
  if (graph) {
    try {
      fromGraph = await graph.userGroups(input.oid);
    } catch (e) {
      problems.push(`Graph user groups: ${(e as Error).message}`);
    }
  }
  let assigned: Set<string> | null = null;
  if (graph && input.servicePrincipalId) {
    try {
      assigned = new Set(
        (await graph.appAssignedGroups(input.servicePrincipalId)).map((g) => g.id),
      );
    } catch (e) {
      problems.push(`Graph app assignments: ${(e as Error).message}`);
    }
  }
  const names = new Map((fromGraph ?? []).map((g) => [g.id, g.displayName]));
  let groups: GroupRef[];
  let complete: boolean;
  if (input.tokenGroupIds !== null) {
    groups = input.tokenGroupIds.map((id) => ({ id, name: names.get(id) ?? null }));
    complete = true;
  } else if (fromGraph !== null) {
    groups = fromGraph.map((g) => ({ id: g.id, name: g.displayName }));
    complete = true;
  } else {
    groups = [];
    complete = false;
  }
  if (input.needAssigned && assigned === null) complete = false;
  return { groups, complete, assigned, problems };
}
