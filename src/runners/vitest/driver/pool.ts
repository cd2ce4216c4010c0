// Validation processes of one package: a driver runs one request at a time, its files one after another, so
// with one process the candidates validated at once (--concurrency) would queue behind each other on one
// core. A second driver starts only when a run would otherwise wait, up to one per core: one candidate at a
// time never starts more than one.

import { availableParallelism } from 'node:os';
import type { RunPool } from '../../types.ts';
import { type DriverOptions, type DriverRun, VitestDriver } from './driver.ts';

export class DriverPool implements RunPool {
  private readonly drivers: VitestDriver[] = [];
  private readonly idle: VitestDriver[] = [];
  private readonly waiting: ((driver: VitestDriver) => void)[] = [];

  constructor(
    private readonly options: DriverOptions,
    /** Drivers at most: runner processes at once, as src/generate/rerun-batch.ts counts them. */
    readonly size = availableParallelism(),
  ) {}

  /** Why the drivers cannot be used (every run then goes the old way), once one of them found out. */
  get unsupported(): string | undefined {
    return this.drivers.find((driver) => driver.unsupported !== undefined)?.unsupported;
  }

  /** As VitestDriver.run, on the first driver free; `durationMs` includes the wait for it. */
  async run(
    files: readonly string[],
    coverage?: { dir: string; include: string[] },
    repeats = 0,
  ): Promise<DriverRun | undefined> {
    if (this.unsupported !== undefined) return undefined;
    const called = performance.now();
    const driver = await this.acquire();
    try {
      const run = await driver.run(files, coverage, repeats);
      return run && { ...run, durationMs: Math.round(performance.now() - called) };
    } finally {
      const next = this.waiting.shift();
      if (next) next(driver);
      else this.idle.push(driver);
    }
  }

  /** Starts up to `parallel` validation processes (at most `size`) ahead of the first runs. */
  prepare(parallel: number): void {
    while (this.drivers.length < Math.min(Math.max(1, parallel), Math.max(1, this.size))) {
      const driver = new VitestDriver(this.options);
      this.drivers.push(driver);
      this.idle.push(driver);
    }
    for (const driver of this.drivers) driver.prepare();
  }

  async close(): Promise<void> {
    await Promise.all(this.drivers.map((driver) => driver.close()));
  }

  private acquire(): Promise<VitestDriver> {
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.drivers.length < Math.max(1, this.size)) {
      const driver = new VitestDriver(this.options);
      this.drivers.push(driver);
      return Promise.resolve(driver);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
