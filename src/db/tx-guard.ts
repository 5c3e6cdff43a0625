import { AsyncLocalStorage } from 'node:async_hooks';
import type { DatabaseConnection, Dialect, Driver, TransactionSettings } from 'kysely';

/**
 * Marks the code running inside a write transaction. A query sent on the root connection pool
 * from there would, on SQLite (one connection, held by the transaction), wait forever, and on
 * PostgreSQL silently run outside the transaction. Either is a bug; this makes it fail at once.
 */
const inTransaction = new AsyncLocalStorage<{ label: string }>();

export class NestedDatabaseAccess extends Error {
  constructor(label: string) {
    super(
      `database queried outside the open transaction of ${label}: use the write scope's trx ` +
        '(s.trx) inside write(), or read before opening it',
    );
    this.name = 'NestedDatabaseAccess';
  }
}

/** Runs `fn` as the body of an open transaction: root-pool queries inside it throw. */
export function insideTransaction<T>(label: string, fn: () => Promise<T>): Promise<T> {
  return inTransaction.run({ label }, fn);
}

/** The label of the transaction the caller runs in, if any. */
export function openTransaction(): string | undefined {
  return inTransaction.getStore()?.label;
}

/** Wraps a dialect so that acquiring a pool connection inside a transaction body throws. */
export function guardedDialect(inner: Dialect): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createDriver: () => guardedDriver(inner.createDriver()),
  };
}

function guardedDriver(d: Driver): Driver {
  return {
    init: () => d.init(),
    acquireConnection: async (): Promise<DatabaseConnection> => {
      const open = inTransaction.getStore();
      if (open) throw new NestedDatabaseAccess(open.label);
      return d.acquireConnection();
    },
    beginTransaction: (c: DatabaseConnection, s: TransactionSettings) => d.beginTransaction(c, s),
    commitTransaction: (c: DatabaseConnection) => d.commitTransaction(c),
    rollbackTransaction: (c: DatabaseConnection) => d.rollbackTransaction(c),
    releaseConnection: (c: DatabaseConnection) => d.releaseConnection(c),
    destroy: () => d.destroy(),
  };
}
