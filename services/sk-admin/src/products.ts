import type { Pool } from '@sk/storage';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

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

/** Products in MySQL. */
export class ProductStore {
  constructor(private readonly mysql: Pool) {}

  async create(name: string): Promise<Product> {
    const [inserted] = await this.mysql.query<ResultSetHeader>('INSERT INTO products (name) VALUES (?)', [name]);
    const product = await this.get(inserted.insertId);
    if (!product) throw new Error(`product ${inserted.insertId} vanished after insert`);
    return product;
  }

  async get(id: number): Promise<Product | undefined> {
    const [rows] = await this.mysql.query<ProductRow[]>('SELECT id, name, created_at FROM products WHERE id = ?', [id]);
    return rows[0] && toProduct(rows[0]);
  }

  async list(): Promise<Product[]> {
    const [rows] = await this.mysql.query<ProductRow[]>('SELECT id, name, created_at FROM products ORDER BY id');
    return rows.map(toProduct);
  }
}
