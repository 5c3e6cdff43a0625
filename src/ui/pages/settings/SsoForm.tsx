import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { CheckboxField, SelectField, TextField } from '../../components/Fields.js';
import { ErrorNote } from '../../components/States.js';
import {
  ATTRIBUTE_PRESETS,
  type Draft,
  type OidcDraft,
  type SamlAttributes,
  type SamlDraft,
  type SamlSource,
} from '../../lib/sso-form.js';

function Common({
  d,
  editing,
  set,
}: {
  d: Draft;
  editing: boolean;
  set: (patch: Partial<Draft>) => void;
}) {
  return (
    <>
      <TextField
        label="Connection id"
        value={d.id}
        onChange={(id) => set({ id })}
        required
        disabled={editing}
        placeholder="okta"
        hint="Lower case letters, digits, “-” and “_”; part of the URLs below. Cannot change later."
      />
      <TextField
        label="Display name"
        value={d.display_name}
        onChange={(display_name) => set({ display_name })}
        placeholder="Okta"
        hint="The sign-in button says “Sign in with …”."
      />
      <TextField
        label="Email domains"
        value={d.email_domains}
        onChange={(email_domains) => set({ email_domains })}
        placeholder="acme.com, acme.de"
        hint="“Continue with your work email” sends these domains here; commas or lines."
      />
    </>
  );
}

function OidcFields({ d, set }: { d: OidcDraft; set: (p: Partial<OidcDraft>) => void }) {
  const claim = (k: keyof OidcDraft['claims']) => (v: string) =>
    set({ claims: { ...d.claims, [k]: v } });
  return (
    <>
      <TextField
        label="Issuer"
        value={d.issuer}
        onChange={(issuer) => set({ issuer })}
        required
        placeholder="https://acme.okta.com/oauth2/default"
        hint="Okta: the authorization server's issuer; Entra: https://login.microsoftonline.com/{tenant}/v2.0."
      />
      <TextField
        label="Client id"
        value={d.client_id}
        onChange={(client_id) => set({ client_id })}
        required
      />
      <TextField
        label="Client secret"
        type="password"
        autoComplete="new-password"
        value={d.client_secret}
        onChange={(client_secret) => set({ client_secret })}
        hint="Stored encrypted; never shown again. Leave empty to keep the stored one."
      />
      <TextField
        label="Scopes"
        value={d.scopes}
        onChange={(scopes) => set({ scopes })}
        hint="Space separated. Okta needs “groups” for group claims."
      />
      <TextField label="Email claim" value={d.claims.email} onChange={claim('email')} />
      <TextField label="Name claim" value={d.claims.name} onChange={claim('name')} />
      <TextField label="Groups claim" value={d.claims.groups} onChange={claim('groups')} />
      <TextField label="Roles claim" value={d.claims.roles} onChange={claim('roles')} />
      <CheckboxField
        label="Enabled (people can sign in through it)"
        checked={d.enabled}
        onChange={(enabled) => set({ enabled })}
      />
    </>
  );
}

/** Metadata XML pasted or read from a file the admin downloaded from the IdP. */
function MetadataXml({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const id = useId();
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <>
      <TextField
        label="IdP metadata XML"
        multiline
        value={value}
        onChange={onChange}
        placeholder="<EntityDescriptor …>"
        hint="Okta: Sign On → Metadata URL / “Identity Provider metadata”; Entra: Federation Metadata XML."
      />
      <div className="field">
        <label htmlFor={id}>Or upload the metadata file</label>
        <input
          id={id}
          type="file"
          accept=".xml,application/xml,text/xml"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            setProblem(null);
            file.text().then(onChange, () => setProblem('The file could not be read.'));
          }}
        />
        {problem ? (
          <small className="hint" role="alert">
            {problem}
          </small>
        ) : null}
      </div>
    </>
  );
}

const SOURCES: { value: SamlSource; label: string }[] = [
  { value: 'xml', label: 'Paste or upload metadata XML' },
  { value: 'url', label: 'Metadata URL' },
  { value: 'manual', label: 'Enter the IdP settings by hand' },
];

function SamlFields({ d, set }: { d: SamlDraft; set: (p: Partial<SamlDraft>) => void }) {
  const attr = (k: keyof SamlAttributes) => (v: string) =>
    set({ attributes: { ...d.attributes, [k]: v } });
  return (
    <>
      <SelectField
        label="IdP settings from"
        value={d.source}
        onChange={(v) => set({ source: v as SamlSource })}
        options={SOURCES}
      />
      {d.source === 'xml' ? (
        <MetadataXml value={d.idp_metadata_xml} onChange={(v) => set({ idp_metadata_xml: v })} />
      ) : null}
      {d.source === 'url' ? (
        <TextField
          label="IdP metadata URL"
          value={d.idp_metadata_url}
          onChange={(idp_metadata_url) => set({ idp_metadata_url })}
          required
          placeholder="https://acme.okta.com/app/…/sso/saml/metadata"
          hint="Fetched by Gatehouse and refreshed, so certificate rollovers need no change here."
        />
      ) : null}
      {d.source === 'manual' ? (
        <>
          <TextField
            label="IdP single sign-on URL"
            value={d.idp_sso_url}
            onChange={(idp_sso_url) => set({ idp_sso_url })}
            required
          />
          <TextField
            label="IdP entity id (issuer)"
            value={d.idp_entity_id}
            onChange={(idp_entity_id) => set({ idp_entity_id })}
            required
          />
          <TextField
            label="IdP signing certificates (PEM)"
            multiline
            value={d.idp_certificates}
            onChange={(idp_certificates) => set({ idp_certificates })}
            required
            hint="One or more -----BEGIN CERTIFICATE----- blocks."
          />
        </>
      ) : null}
      <TextField
        label="SP entity id"
        value={d.sp_entity_id}
        onChange={(sp_entity_id) => set({ sp_entity_id })}
        hint="Empty: Gatehouse's default (shown below once saved)."
      />
      <fieldset className="stack">
        <legend>Attribute mapping</legend>
        <div className="actions">
          {(['okta', 'entra'] as const).map((p) => (
            <button
              key={p}
              type="button"
              className="secondary small"
              aria-pressed={d.preset === p}
              onClick={() => set({ preset: p, attributes: { ...ATTRIBUTE_PRESETS[p] } })}
            >
              {p === 'okta' ? 'Okta preset' : 'Entra preset'}
            </button>
          ))}
          {d.preset ? (
            <button type="button" className="secondary small" onClick={() => set({ preset: '' })}>
              No preset
            </button>
          ) : null}
        </div>
        <p className="muted">
          {d.preset
            ? `Preset: ${d.preset === 'okta' ? 'Okta' : 'Entra'} (attribute names and how a person is identified).`
            : 'No preset: Gatehouse picks Okta or Entra from the IdP entity id.'}{' '}
          Names typed below replace the preset's.
        </p>
        <TextField label="Email attribute" value={d.attributes.email} onChange={attr('email')} />
        <TextField label="Name attribute" value={d.attributes.name} onChange={attr('name')} />
        <TextField
          label="Given name attribute"
          value={d.attributes.given_name}
          onChange={attr('given_name')}
        />
        <TextField
          label="Family name attribute"
          value={d.attributes.family_name}
          onChange={attr('family_name')}
        />
        <TextField label="Groups attribute" value={d.attributes.groups} onChange={attr('groups')} />
        <TextField label="Roles attribute" value={d.attributes.roles} onChange={attr('roles')} />
      </fieldset>
      <CheckboxField
        label="Require signed assertions"
        checked={d.want_assertions_signed}
        onChange={(want_assertions_signed) => set({ want_assertions_signed })}
      />
      <CheckboxField
        label="Require a signed response"
        checked={d.want_response_signed}
        onChange={(want_response_signed) => set({ want_response_signed })}
      />
      <CheckboxField
        label="Allow IdP-initiated sign-in (from the Okta or Entra app tile)"
        checked={d.allow_idp_initiated}
        onChange={(allow_idp_initiated) => set({ allow_idp_initiated })}
      />
      <CheckboxField
        label="Sign AuthnRequests (with the connection's SP key)"
        checked={d.sign_authn_requests}
        onChange={(sign_authn_requests) => set({ sign_authn_requests })}
      />
    </>
  );
}

/** Create or edit one connection; the parent turns the draft into the API body. */
export function SsoForm({
  initial,
  editing,
  busy,
  error,
  onSubmit,
  onCancel,
  aside,
}: {
  /** Shown under the fields, from the current draft (e.g. the URLs it will have). */
  aside?: (d: Draft) => ReactNode;
  initial: Draft;
  editing: boolean;
  busy: boolean;
  error: unknown;
  onSubmit: (d: Draft) => void;
  onCancel: () => void;
}) {
  const [d, setD] = useState<Draft>(initial);
  const set = (patch: Partial<Draft>) => setD((cur) => ({ ...cur, ...patch }) as Draft);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(d);
  };
  const title = d.type === 'oidc' ? 'OIDC connection' : 'SAML connection';
  return (
    <form className="panel stack" onSubmit={submit} aria-label={title}>
      <h2>{editing ? `Edit ${title}` : `New ${title}`}</h2>
      <div className="grid2">
        <Common d={d} editing={editing} set={set} />
        {d.type === 'oidc' ? <OidcFields d={d} set={set} /> : <SamlFields d={d} set={set} />}
        <CheckboxField
          label="Create accounts on first sign-in (JIT)"
          checked={d.jit}
          onChange={(jit) => set({ jit })}
        />
        <CheckboxField
          label="Link to an existing account with the same email"
          checked={d.link_existing_by_email}
          onChange={(link_existing_by_email) => set({ link_existing_by_email })}
        />
      </div>
      {aside?.(d)}
      <ErrorNote error={error} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {editing ? 'Save connection' : 'Create connection'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
