import { describe, expect, it } from 'vitest';
import { acceptSamlResponse } from '../../src/sso/saml/acs.js';
import { PRESETS } from '../../src/sso/saml/attributes.js';
import { buildAuthnRequest } from '../../src/sso/saml/authn-request.js';
import { newMessageId, samlLibrary } from '../../src/sso/saml/library.js';
import {
  ALICE,
  CURRENT_ACS,
  OTHER_IDP_ENTITY_ID,
  SP,
  useAttackRig,
} from '../support/saml-idp/attack-rig.js';
import {
  Browser,
  idpInitiatedLogin,
  loginAt,
  samlIdpUnavailable,
} from '../support/saml-idp/index.js';

const unavailable = samlIdpUnavailable();
if (unavailable) console.warn(`SAML attack tests against SimpleSAMLphp skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)(
  'SAML attacks on the context: wrong audience, place, time, request or status (real SimpleSAMLphp responses)',
  () => {
    const rig = useAttackRig();

    it('attack: wrong Audience (assertion for another SP at the same ACS URL) is refused, naming both', async () => {
      const c = await rig.conn(SP.assertion);
      const issuedFor = await rig.conn(SP.otherAudience);
      const { b64, requestId } = await rig.fresh(issuedFor);
      const r = await rig.refused(c, { b64 }, requestId, 'audience');
      expect(r.ok ? '' : r.message).toBe(
        `Audience is ${SP.otherAudience.entityId}; this connection expects ${SP.assertion.entityId}.`,
      );
    });

    it('attack: wrong Recipient (unsigned Destination rewritten to our ACS) is refused', async () => {
      const acs = CURRENT_ACS.staleAssertion;
      const c = await rig.conn(SP.staleAssertion, { acsUrl: acs });
      const { xml, requestId } = await rig.fresh(c);
      const forged = xml.replace(
        `Destination="${SP.staleAssertion.acsUrl}"`,
        `Destination="${acs}"`,
      );
      expect(forged).not.toBe(xml);
      await rig.refused(c, { xml: forged }, requestId, 'recipient');
    });

    it('attack: wrong Destination (signed response issued to another ACS) is refused', async () => {
      const c = await rig.conn(SP.staleBoth, {
        acsUrl: CURRENT_ACS.staleBoth,
        policy: { wantResponseSigned: true },
      });
      const { b64, requestId } = await rig.fresh(c);
      const r = await rig.refused(c, { b64 }, requestId, 'destination');
      expect(r.ok ? '' : r.message).toContain(SP.staleBoth.acsUrl);
    });

    it('attack: a response for connection A posted to connection B is refused', async () => {
      const a = await rig.conn(SP.both);
      const b = await rig.conn(SP.assertion);
      const { b64, requestId } = await rig.fresh(a);
      await rig.refused(b, { b64 }, requestId, 'destination');
    });

    it('attack: wrong Issuer (another IdP whose certificate this connection also trusts) is refused', async () => {
      const c = await rig.conn(SP.assertion, {
        extraCertificates: [rig.otherIdp().key.certificatePem],
      });
      const { b64, requestId } = await rig.fresh(c, rig.otherIdp());
      const r = await rig.refused(c, { b64 }, requestId, 'issuer');
      expect(r.ok ? '' : r.message).toContain(OTHER_IDP_ENTITY_ID);
    });

    it('attack: expired assertion (clock past NotOnOrAfter plus tolerance) is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { b64, requestId } = await rig.fresh(c);
      await rig.refused(c, { b64 }, requestId, 'expired', new Date(Date.now() + 10 * 60_000));
    });

    it('attack: assertion not yet valid (clock before NotBefore minus tolerance) is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { b64, requestId } = await rig.fresh(c);
      await rig.refused(c, { b64 }, requestId, 'not_yet_valid', new Date(Date.now() - 10 * 60_000));
    });

    it('attack: replayed assertion is refused the second time', async () => {
      const c = await rig.conn(SP.assertion);
      const { b64, requestId } = await rig.fresh(c);
      expect(await rig.validate(c, b64, requestId)).toMatchObject({ ok: true });
      await rig.refused(c, { b64 }, requestId, 'replay');
    });

    it('attack: replayed response through the ACS flow: the request is used up, so the second post is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { url, requestId } = await buildAuthnRequest(c);
      await rig.store().saveRequest({
        requestId,
        connectionId: c.id,
        browserBinding: 'b1',
        ttlMs: 600_000,
      });
      const posted = await loginAt(url, ALICE.username, ALICE.password);
      const deps = {
        consumeRequest: (id: string) =>
          rig.store().consumeRequest({ requestId: id, connectionId: c.id, browserBinding: 'b1' }),
        replay: rig.store().replayCache(c.id),
        now: new Date(),
      };
      expect(await acceptSamlResponse(c, PRESETS.okta, posted.SAMLResponse, deps)).toMatchObject({
        ok: true,
      });
      expect(await acceptSamlResponse(c, PRESETS.okta, posted.SAMLResponse, deps)).toMatchObject({
        ok: false,
        check: 'in_response_to',
      });
    });

    it('attack: InResponseTo of another connection, or started in another browser, is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { url, requestId } = await buildAuthnRequest(c);
      await rig.store().saveRequest({
        requestId,
        connectionId: 'some-other-connection',
        browserBinding: 'b1',
        ttlMs: 600_000,
      });
      const posted = await loginAt(url, ALICE.username, ALICE.password);
      const deps = (browser: string, connectionId: string) => ({
        consumeRequest: (id: string) =>
          rig.store().consumeRequest({ requestId: id, connectionId, browserBinding: browser }),
        replay: rig.store().replayCache(c.id),
        now: new Date(),
      });
      const other = await acceptSamlResponse(
        c,
        PRESETS.okta,
        posted.SAMLResponse,
        deps('b1', c.id),
      );
      expect(other).toMatchObject({ ok: false, check: 'in_response_to' });
      expect(other.ok ? '' : other.message).toMatch(/another SSO connection/);
      const second = await buildAuthnRequest(c);
      await rig.store().saveRequest({
        requestId: second.requestId,
        connectionId: c.id,
        browserBinding: 'b1',
        ttlMs: 600_000,
      });
      const posted2 = await loginAt(second.url, ALICE.username, ALICE.password);
      const elsewhere = await acceptSamlResponse(
        c,
        PRESETS.okta,
        posted2.SAMLResponse,
        deps('b2', c.id),
      );
      expect(elsewhere.ok ? '' : elsewhere.message).toMatch(/another browser/);
    });

    it('attack: unsolicited (IdP-initiated) response while IdP-initiated login is off is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const posted = await idpInitiatedLogin(rig.idp(), c.sp.entityId, ALICE);
      await rig.refused(c, { b64: posted.SAMLResponse }, null, 'unsolicited');
    });

    it('attack: InResponseTo not the request this browser started is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { b64 } = await rig.fresh(c);
      const { requestId: mine } = await buildAuthnRequest(c);
      await rig.refused(c, { b64 }, mine, 'in_response_to');
    });

    it('attack: non-success status (IsPassive without an IdP session: Responder/NoPassive) is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const requestId = newMessageId();
      const saml = samlLibrary(c, { messageId: requestId });
      saml.options.passive = true;
      const url = await saml.getAuthorizeUrlAsync('', undefined, {});
      const page = await new Browser().request(url);
      const posted = new Browser().postedResponse(page);
      const r = await rig.refused(c, { b64: posted.SAMLResponse }, requestId, 'status');
      expect(r.ok ? '' : r.message).toContain('Responder/NoPassive');
    });
  },
);
