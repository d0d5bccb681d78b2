/** The one store suite, run unchanged against every backend. */
import { STORE_BACKENDS } from './backends.js';
import { describeStore } from './store-suite.js';

for (const backend of STORE_BACKENDS) {
  backend.describe(backend.name, () => describeStore(backend.name, backend.open));
}
