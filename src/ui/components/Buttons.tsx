import { useState } from 'react';

/** Copies a value; says whether it worked, since the clipboard can be refused by the browser. */
export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          navigator.clipboard.writeText(value).then(
            () => setState('copied'),
            () => setState('failed'),
          );
        }}
      >
        {state === 'copied' ? 'Copied' : label}
      </button>
      <span role="status" aria-live="polite" className="muted">
        {state === 'failed'
          ? ' Copying was refused by the browser; select the text and copy it.'
          : ''}
      </span>
    </>
  );
}

/** A destructive action in two steps, usable from the keyboard without a modal. */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  busy,
  danger = true,
  small = false,
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  danger?: boolean;
  small?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const size = small ? ' small' : '';
  if (!asking) {
    return (
      <button
        type="button"
        className={(danger ? 'danger' : 'secondary') + size}
        onClick={() => setAsking(true)}
        disabled={busy}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button
        type="button"
        className={(danger ? 'danger' : '') + size || undefined}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
        disabled={busy}
      >
        {confirmLabel}
      </button>
      <button type="button" className={`secondary${size}`} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
