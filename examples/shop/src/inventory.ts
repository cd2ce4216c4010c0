/** Stock levels behind an async store, as a real warehouse API would be. */
export class Inventory {
  private readonly stock = new Map<string, number>();

  constructor(initial: Record<string, number>) {
    for (const [sku, count] of Object.entries(initial)) this.stock.set(sku, count);
  }

  async available(sku: string): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return this.stock.get(sku) ?? 0;
  }

  async reserve(sku: string, quantity: number): Promise<boolean> {
    const left = await this.available(sku);
    if (left < quantity) return false;
    this.stock.set(sku, left - quantity);
    return true;
  }
}
