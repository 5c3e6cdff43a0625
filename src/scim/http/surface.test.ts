import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors/catalogue.js';
import { routePaths } from './respond.js';
import { SCIM_SURFACE, toScim } from './surface.js';

/** The SCIM surface renders the same whoever asks; the request is not read. */
const anyRequest = {} as FastifyRequest;

describe('SCIM surface rules', () => {
  it("the directory's 422 becomes 400 invalidValue with its details", () => {
    const err = toScim(
      new AppError('validation_failed', 'team name must not be empty', [
        { path: 'name', message: 'empty' },
      ]),
    );
    expect(err.code).toBe('invalid_value');
    expect(err.status).toBe(400);
    expect(err.message).toBe('team name must not be empty (name: empty)');
  });

  it('conflicts render as 409 uniqueness; other codes keep their status, in SCIM shape', () => {
    const { body, contentType } = SCIM_SURFACE.render(
      new AppError('conflict', 'taken'),
      anyRequest,
    );
    expect(contentType).toBe('application/scim+json; charset=utf-8');
    expect(body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
      detail: 'taken',
    });
    const limited = SCIM_SURFACE.render(new AppError('rate_limited'), anyRequest).body as Record<
      string,
      unknown
    >;
    expect(limited).toMatchObject({ status: '429' });
    expect(limited.scimType).toBeUndefined();
  });

  it('media type and size errors say what SCIM accepts', () => {
    expect(toScim(new AppError('unsupported_media_type')).message).toContain(
      'application/scim+json',
    );
    expect(toScim(new AppError('payload_too_large')).message).toContain('4 MiB');
  });

  it('resource paths: canonical and lower-case first segment, optionally with a trailing slash', () => {
    expect(routePaths('/Users/:id')).toEqual(['/Users/:id', '/users/:id']);
    expect(routePaths('/Groups', { slash: true })).toEqual([
      '/Groups',
      '/Groups/',
      '/groups',
      '/groups/',
    ]);
    expect(routePaths('/users')).toEqual(['/users']);
  });
});
