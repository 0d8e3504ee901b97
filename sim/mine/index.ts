export { startMineSimulator } from './server.ts';
export type { MineSimulator, MineSimulatorOptions } from './server.ts';
export { SimPlant, DEFAULT_PHYSICS } from './plant.ts';
export type { SimEvent, SimEventKind, SimCause, PhysicsOptions } from './plant.ts';
export { simMineCommand } from './cli.ts';
