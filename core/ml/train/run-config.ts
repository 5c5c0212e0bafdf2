// A run's full configuration as stored in the history: the model and the
// training settings. Parsing a stored run through this schema is how any run
// is rebuilt, resumed, sampled or exported from its record alone.
import { z } from 'zod';
import { modelConfigSchema } from '../models/model-config.ts';
import { trainConfigSchema } from './train-config.ts';

export const runConfigSchema = z
  .object({
    model: modelConfigSchema,
    train: trainConfigSchema,
  })
  .strict();

export type RunConfig = z.infer<typeof runConfigSchema>;
