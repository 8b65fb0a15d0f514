import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini keeps bundles small (13 KB, not 440 KB) but ships no messages: load English ones once.
z.config(en());
