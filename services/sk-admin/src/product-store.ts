import { Codes, SkError } from '@sk/http';
import type { Identity } from '@sk/identity';
import type { Pool, Tx } from '@sk/storage';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { AuditLog } from './audit-log.js';

export interface Product {
  product_id: number;
  name: string;
  created_at: Date;
}

interface ProductRow extends RowDataPacket {
  id: number;
  name: string;
  created_at: Date;
}

const toProduct = (row: ProductRow): Product => ({ product_id: Number(row.id), name: row.name, created_at: row.created_at });

/** Products in MySQL; each creation audited. */
export class ProductStore {
  constructor(
    private readonly mysql: Pool,
    private readonly audit: AuditLog,
  ) {}

  create(actor: Identity, name: string): Promise<Product> {
    return this.audit.change(actor, async (tx) => {
      const [inserted] = await tx.query<ResultSetHeader>('INSERT INTO products (name) VALUES (?)', [name]);
      const product = await selectProduct(tx, inserted.insertId);
      if (!product) throw new Error(`product ${inserted.insertId} vanished after insert`);
      return {
        result: product,
        audit: { action: 'product.create', target: `product:${product.product_id}`, before: null, after: product },
      };
    });
  }

  async require(id: number): Promise<Product> {
    const product = await selectProduct(this.mysql, id);
    if (!product) throw new SkError(Codes.NOT_FOUND, `product ${id} not found`);
    return product;
  }

  async list(): Promise<Product[]> {
    const [rows] = await this.mysql.query<ProductRow[]>('SELECT id, name, created_at FROM products ORDER BY id');
    return rows.map(toProduct);
  }
}

async function selectProduct(db: Tx, id: number): Promise<Product | undefined> {
  const [rows] = await db.query<ProductRow[]>('SELECT id, name, created_at FROM products WHERE id = ?', [id]);
  return rows[0] && toProduct(rows[0]);
}
