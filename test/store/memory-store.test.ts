import { MemoryStore } from '../../src/store/memory-store.js';
import { runStoreContract } from './store-contract.js';

// No `reopen`: a memory store lives in one process, so the multi-instance tests are skipped.
runStoreContract('memory', async () => {
  const store = new MemoryStore();
  await store.init();
  return { store, cleanup: () => store.close() };
});
