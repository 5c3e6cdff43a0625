import { scopesFor } from '../../access/matrix.js';
import { usePaged } from '../api/hooks.js';
import type { User } from '../api/types.js';
import { personName } from '../lib/format.js';
import { useSession } from '../session.js';
import { SelectField, TextField } from './Fields.js';

/** Chooses a person: from the user list when the role may read it, else by id. */
export function UserPicker({
  label,
  value,
  onChange,
  extra = [],
}: {
  label: string;
  value: string;
  onChange: (id: string) => void;
  extra?: { value: string; label: string }[];
}) {
  const { me } = useSession();
  const listable = scopesFor(me.role, 'users:read').some((s) => s !== 'own');
  const users = usePaged<User>('/api/v1/users', { limit: 500, active: true }, listable);
  if (!listable)
    return <TextField label={`${label} (user id)`} value={value} onChange={onChange} />;
  const list = users.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <SelectField
      label={label}
      value={value}
      onChange={onChange}
      options={[
        ...extra,
        ...(extra.length === 0
          ? [{ value: '', label: users.isPending ? 'Loading…' : 'Choose a person' }]
          : []),
        ...list.map((u) => ({
          value: u.id,
          label: `${personName(u)}${u.email && u.display_name ? ` <${u.email}>` : ''}`,
        })),
      ]}
    />
  );
}
