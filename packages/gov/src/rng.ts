// The seeded generator is shared by every package; gov keeps its old import path.
export { createRng, type Rng } from '@shuzhi/schema';
