import { AppError } from '../errors/catalogue.js';

/**
 * What a key may do besides calling models. Every key calls `/v1`; `read_only` keys also read
 * the management API and `management` keys also act on it, always with their owner's role.
 */
export const KEY_PURPOSES = ['inference', 'management', 'read_only'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

/** LiteLLM's `key_type` spellings map onto the same three purposes. */
const SPELLINGS: Record<string, KeyPurpose> = {
  inference: 'inference',
  llm_api: 'inference',
  management: 'management',
  read_only: 'read_only',
};

export function parseKeyPurpose(value: string): KeyPurpose | null {
  return SPELLINGS[value.trim().toLowerCase()] ?? null;
}

export const KEY_PURPOSE_SPELLINGS = Object.keys(SPELLINGS);

/**
 * The purpose a new key gets. A key made for someone else would let its maker act with that
 * person's reach (and with whatever role they get later), so it calls models only, unless a
 * proxy admin or the master key asks otherwise. One's own key may do what one may do.
 */
export function decidePurpose(opts: {
  requested: KeyPurpose | undefined;
  ownKey: boolean;
  callerIsProxyAdmin: boolean;
}): KeyPurpose {
  const { requested, ownKey, callerIsProxyAdmin } = opts;
  if (requested === undefined) return ownKey ? 'management' : 'inference';
  if (requested === 'inference' || ownKey || callerIsProxyAdmin) return requested;
  throw new AppError(
    'forbidden',
    `A key made for someone else calls models only ("purpose": "inference"); only its owner or a proxy admin may make a ${requested} key.`,
  );
}
