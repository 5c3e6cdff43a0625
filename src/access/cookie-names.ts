/** Cookie and header names shared with the browser UI (no server types, so the UI imports it). */
export const SESSION_COOKIE = 'gh_session';
export const CSRF_COOKIE = 'gh_csrf';
export const CSRF_HEADER = 'x-csrf-token';
