/**
 * zod for every schema in shared/: its functional build (`zod/mini`), which bundles only the
 * schemas and checks a function uses (~34 KB instead of ~96 KB in each function bundle) and builds
 * schemas faster at cold start, with the English messages the full build sets by default
 * (`Invalid input: expected string, received number`, `Too small: expected string to have >=1
 * characters`).
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export * from 'zod/mini';
