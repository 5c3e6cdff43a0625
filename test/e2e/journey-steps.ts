import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** A link of the main navigation, by its exact label. */
export const nav = (p: Page, label: string) =>
  p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });

/**
 * The IT admin adds a rule (IdP group → role and team) on Roles / Access control, saves it, and
 * checks it in the preview with that group among the person's groups.
 */
export async function mapGroupInPreview(
  page: Page,
  rule: { group: string; role: string; team: string },
): Promise<void> {
  await nav(page, 'Roles / Access control').click();
  await page.getByRole('heading', { name: 'Rules' }).waitFor();
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByLabel('Group', { exact: true }).fill(rule.group);
  await page.getByLabel('Grants role').selectOption(rule.role);
  await page.getByLabel('Team', { exact: true }).fill(rule.team);
  await page.getByRole('button', { name: 'Save mapping' }).click();
  await page.getByText('Mapping saved.').waitFor();
  await page.getByLabel('Groups (one per line)').fill(`Everyone\n${rule.group}`);
  await page.getByRole('button', { name: 'Run preview' }).click();
  await expect.poll(() => page.getByTestId('preview-role').textContent()).toBe(rule.role);
  expect(await page.locator('.preview-result').textContent()).toContain(rule.team);
}
