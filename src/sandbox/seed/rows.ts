/** Row identity for generated data: deterministic UUIDs, hidden integer PKs, creation stamps. */
import type { EpochMs, Row } from '../model.js';
import type { Random } from './random.js';

export class RowFactory {
  private pk: number;

  constructor(
    private readonly random: Random,
    startPk = 0,
  ) {
    this.pk = startPk;
  }

  get maxPk(): number {
    return this.pk;
  }

  /** A new row stamp; `createdMs` is truncated to whole seconds so renderings never carry fractions. */
  row(createdMs: EpochMs, modifiedMs: EpochMs = createdMs): Row {
    this.pk += 1;
    return {
      id: this.random.uuid(),
      pk: this.pk,
      createdMs: Math.floor(createdMs / 1000) * 1000,
      modifiedMs: Math.floor(modifiedMs / 1000) * 1000,
    };
  }

  nextPk(): number {
    this.pk += 1;
    return this.pk;
  }

  uuid(): string {
    return this.random.uuid();
  }
}
