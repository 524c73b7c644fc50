import { createMemoryQueue } from '../src/index.js';
import { runConformance } from './conformance.js';

runConformance({
  name: 'in-memory',
  async create(options) {
    const queue = createMemoryQueue(options);
    return { queue, cleanup: () => queue.close() };
  },
});
