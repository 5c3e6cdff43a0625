import { z } from 'zod';

export const listQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
};

export const boolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');
