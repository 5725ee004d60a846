import { MemoryStore } from '../../src/store/memory/store.js';
import { runClientIdContract } from './client-ids-contract.js';
import { runStoreContract } from './store-contract.js';

// No `reopen`: a memory store lives in one process, so the multi-instance tests are skipped.
const openMemory = async () => {
  const store = new MemoryStore();
  await store.init();
  return { store, cleanup: () => store.close() };
};
runStoreContract('memory', openMemory);
runClientIdContract('memory', openMemory);
