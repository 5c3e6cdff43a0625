import type { RoleMapping } from '../../api/types.js';
import { mappingTable } from '../../lib/mapping.js';

/** Seed 000's "Document role mapping": IdP group → role → effective permissions, printable. */
export function MappingTable({ mapping }: { mapping: RoleMapping }) {
  const rows = mappingTable(mapping);
  const order = mapping.precedence ?? null;
  return (
    <section className="panel printable" aria-labelledby="table-h">
      <div className="page-head">
        <h2 id="table-h">Role mapping table</h2>
        <button type="button" className="secondary no-print" onClick={() => window.print()}>
          Print
        </button>
      </div>
      <p className="muted">
        Every rule is evaluated; when several grant a role, the precedence order decides
        {order
          ? `: ${order.join(' > ')}`
          : ' (built-in order: proxy_admin > org_admin > proxy_admin_viewer > internal_user > internal_user_viewer)'}
        .
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">When the IdP sends</th>
              <th scope="col">Gatehouse grants</th>
              <th scope="col">Effective permissions of the role</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.when}:${r.grants}`}>
                <td>{r.when}</td>
                <td>{r.grants}</td>
                <td>
                  {r.permissions.length === 0 ? (
                    <span className="muted">No role: team or organization access only</span>
                  ) : (
                    <ul className="plain">
                      {r.permissions.map((p) => (
                        <li key={p}>{p}</li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
