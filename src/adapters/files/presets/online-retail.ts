// UCI Online Retail invoice lines → one `purchase` per InvoiceNo, `return` for cancellations (C…) and negative invoices.
import {
  cell,
  isRowProblem,
  numberCell,
  requiredCell,
  type HeldEvent,
  type Preset,
  type Row,
} from '../converter.js';

interface Invoice {
  readonly invoiceNo: string;
  readonly ts: string;
  readonly userId: string | undefined;
  readonly line: number;
  readonly items: { productId: string; quantity: number; price: number }[];
}

/** '12/1/2010 8:26' (the UCI spreadsheet's export) → '2010-12-01 08:26'; ISO-like text passes through. */
function invoiceDate(text: string): string {
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/.exec(text);
  if (!us) return text;
  const [, m, d, y, h, mi] = us as unknown as string[];
  return `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')} ${h!.padStart(2, '0')}:${mi}`;
}

export const onlineRetail: Preset = {
  name: 'online-retail',
  description:
    'UCI Online Retail invoice lines → purchase per invoice, return for C… invoices, product per StockCode',
  dialect: () => ({ delimiter: ',' }),
  create() {
    const invoices = new Map<string, Invoice>();
    const products = new Map<string, HeldEvent>();
    return {
      convert(row: Row, line: number) {
        const invoiceNo = requiredCell(row, 'InvoiceNo');
        const stockCode = requiredCell(row, 'StockCode');
        const quantity = numberCell(row, 'Quantity');
        const price = numberCell(row, 'UnitPrice');
        const date = requiredCell(row, 'InvoiceDate');
        for (const v of [invoiceNo, stockCode, quantity, price, date]) if (isRowProblem(v)) return v;
        if ((price as number) < 0)
          return {
            field: 'UnitPrice',
            message: `UnitPrice: ${price as number} is negative (a bad-debt adjustment, not a sale)`,
          };
        if (!Number.isInteger(quantity) || quantity === 0) {
          return {
            field: 'Quantity',
            message: `Quantity: ${quantity as number} is not a non-zero whole number`,
          };
        }
        let invoice = invoices.get(invoiceNo as string);
        if (!invoice) {
          invoice = {
            invoiceNo: invoiceNo as string,
            ts: invoiceDate(date as string),
            userId: cell(row, 'CustomerID'),
            line,
            items: [],
          };
          invoices.set(invoiceNo as string, invoice);
        }
        invoice.items.push({
          productId: stockCode as string,
          quantity: quantity as number,
          price: price as number,
        });
        const title = cell(row, 'Description');
        if (title && !products.has(stockCode as string)) {
          products.set(stockCode as string, {
            line,
            event: {
              id: `online-retail:product:${stockCode as string}`,
              type: 'product',
              ts: invoice.ts,
              productId: stockCode,
              title,
              category: 'uncategorized',
              price,
              currency: 'GBP',
            },
          });
        }
        return [];
      },
      finish(): HeldEvent[] {
        const held: HeldEvent[] = [...products.values()];
        for (const inv of invoices.values()) held.push({ line: inv.line, event: invoiceEvent(inv) });
        return held;
      },
    };
  },
};

function invoiceEvent(inv: Invoice): unknown {
  const netQuantity = inv.items.reduce((sum, item) => sum + item.quantity, 0);
  const isReturn = inv.invoiceNo.startsWith('C') || netQuantity < 0;
  const items = inv.items.map((item) => ({ ...item, quantity: Math.abs(item.quantity) }));
  const total = Math.round(items.reduce((sum, item) => sum + item.quantity * item.price, 0) * 100) / 100;
  const base = {
    id: `online-retail:${inv.invoiceNo}`,
    ts: inv.ts,
    ...(inv.userId ? { userId: inv.userId } : {}),
    orderId: inv.invoiceNo,
  };
  return isReturn
    ? { ...base, type: 'return', items, total }
    : { ...base, type: 'purchase', items, total, currency: 'GBP' };
}
