// An invoice document as CSV and as PDF (pdf-lib, standard Helvetica: no font files, no browser). Both are
// functions of the document alone; the PDF's dates are the invoice's issue time, so a re-run gives the same bytes.
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { divideHalfUp, formatDecimal, parseDecimal, PERCENT_SCALE, rupees, rupeesGrouped } from '../pricing/money.ts';
import type { InvoiceDocument } from './invoice-document.ts';

const csvField = (value: string | number) => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function invoiceCsv(doc: InvoiceDocument): string {
  const rows: (string | number)[][] = [
    ['invoice', doc.number], ['period', doc.period], ['issued', doc.issuedAt], ['supplier', doc.supplier.legalName], ['supplier GSTIN', doc.supplier.gstin],
    ['recipient', doc.recipient.legalName], ['recipient GSTIN', doc.recipient.gstin], ['place of supply', doc.placeOfSupply], ['calls', doc.calls], [],
    ['component', 'provider', 'model', 'calls', 'quantity', 'unit', 'shown as', 'cost INR', 'markup INR', 'taxable INR', 'CGST INR', 'SGST INR', 'IGST INR', 'total INR'],
  ];
  for (const g of doc.groups) {
    for (const i of g.items) {
      rows.push([g.component, i.provider, i.model, i.calls, i.quantity, i.quantityUnit, shownQuantity(i.quantity, i.quantityUnit), rupees(i.costPaise), rupees(i.markupPaise), rupees(i.taxablePaise),
        rupees(i.cgstPaise), rupees(i.sgstPaise), rupees(i.igstPaise), rupees(i.totalPaise)]);
    }
  }
  rows.push([], ['subtotal (taxable)', rupees(doc.subtotalPaise)], ['CGST', rupees(doc.cgstPaise)], ['SGST', rupees(doc.sgstPaise)], ['IGST', rupees(doc.igstPaise)],
    ['GST', rupees(doc.gstPaise)], ['total', rupees(doc.totalPaise)], ['total in words', doc.totalInWords]);
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;

class Writer {
  page!: PDFPage;
  y = 0;
  constructor(private readonly pdf: PDFDocument, readonly font: PDFFont, readonly bold: PDFFont) { this.newPage(); }
  newPage() {
    this.page = this.pdf.addPage(A4);
    this.y = A4[1] - MARGIN;
  }
  line(parts: [string, number, ('left' | 'right')?][], options: { bold?: boolean; size?: number; gap?: number } = {}) {
    const size = options.size ?? 9;
    if (this.y < MARGIN + size * 2) this.newPage();
    const font = options.bold ? this.bold : this.font;
    for (const [text, x, align] of parts) {
      const width = align === 'right' ? font.widthOfTextAtSize(text, size) : 0;
      this.page.drawText(text, { x: x - width, y: this.y, size, font, color: rgb(0, 0, 0) });
    }
    this.y -= size + (options.gap ?? 4);
  }
  rule() {
    this.page.drawLine({ start: { x: MARGIN, y: this.y + 4 }, end: { x: A4[0] - MARGIN, y: this.y + 4 }, thickness: 0.5, color: rgb(0.5, 0.5, 0.5) });
    this.y -= 6;
  }
}

/** Standard fonts speak WinAnsi only: the rupee sign and other characters outside it are spelt out. */
const ansi = (text: string) => text.replace(/₹/g, 'Rs.').replace(/→/g, '->').replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
const inr = (paise: number) => `Rs. ${rupeesGrouped(paise)}`;

export async function invoicePdf(doc: InvoiceDocument): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const issued = new Date(doc.issuedAt);
  pdf.setTitle(`Tax invoice ${doc.number}`);
  pdf.setAuthor(ansi(doc.supplier.legalName || 'Invorto'));
  pdf.setCreator('Invorto control');
  pdf.setProducer('Invorto control (pdf-lib)');
  pdf.setCreationDate(issued);
  pdf.setModificationDate(issued);
  const w = new Writer(pdf, await pdf.embedFont(StandardFonts.Helvetica), await pdf.embedFont(StandardFonts.HelveticaBold));
  const right = A4[0] - MARGIN;
  w.line([['TAX INVOICE', MARGIN]], { bold: true, size: 16, gap: 10 });
  w.line([[`Invoice number: ${doc.number}`, MARGIN], [`Period: ${doc.period} (financial year ${doc.financialYear})`, 300]]);
  w.line([[`Issued: ${doc.issuedAt.slice(0, 10)}`, MARGIN], [`Place of supply: state ${doc.placeOfSupply || '-'}`, 300]], { gap: 10 });
  w.line([['Supplier', MARGIN], ['Recipient', 300]], { bold: true });
  w.line([[ansi(doc.supplier.legalName || '-'), MARGIN], [ansi(doc.recipient.legalName || doc.tenantId), 300]]);
  w.line([[`GSTIN: ${doc.supplier.gstin || '-'}`, MARGIN], [`GSTIN: ${doc.recipient.gstin || 'unregistered'}`, 300]]);
  w.line([[ansi(doc.supplier.address).slice(0, 60), MARGIN], [ansi(doc.recipient.address).slice(0, 60), 300]], { gap: 12 });
  const cols: [string, number, ('left' | 'right')?][] = [['Item', MARGIN], ['Calls', 300, 'right'], ['Taxable', 380, 'right'], ['GST', 450, 'right'], ['Total', right, 'right']];
  w.line(cols, { bold: true });
  w.rule();
  for (const g of doc.groups) {
    w.line([[g.label, MARGIN], [String(g.calls), 300, 'right'], [rupeesGrouped(g.taxablePaise), 380, 'right'], [rupeesGrouped(g.cgstPaise + g.sgstPaise + g.igstPaise), 450, 'right'], [rupeesGrouped(g.totalPaise), right, 'right']], { bold: true });
    for (const i of g.items) {
      w.line([[ansi(`   ${i.provider}/${i.model}: ${shownQuantity(i.quantity, i.quantityUnit)}`).slice(0, 52), MARGIN], [String(i.calls), 300, 'right'], [rupeesGrouped(i.taxablePaise), 380, 'right'],
        [rupeesGrouped(i.cgstPaise + i.sgstPaise + i.igstPaise), 450, 'right'], [rupeesGrouped(i.totalPaise), right, 'right']]);
    }
  }
  w.rule();
  const total = (label: string, paise: number, bold = false) => w.line([[label, 300], [inr(paise), right, 'right']], { bold });
  total('Subtotal (taxable value)', doc.subtotalPaise);
  if (doc.cgstPaise || doc.sgstPaise || doc.taxMode !== 'inter') {
    total(`CGST (${halfOf(doc.gstPercent)} %)`, doc.cgstPaise);
    total(`SGST (${halfOf(doc.gstPercent)} %)`, doc.sgstPaise);
  }
  if (doc.igstPaise || doc.taxMode !== 'intra') total(`IGST (${doc.gstPercent} %)`, doc.igstPaise);
  total('Total', doc.totalPaise, true);
  w.y -= 6;
  w.line([[ansi(doc.totalInWords), MARGIN]]);
  w.line([[`${doc.calls} calls. Amounts in Indian rupees; each line rounded half-up to the paisa.`, MARGIN]], { size: 8 });
  return pdf.save({ useObjectStreams: false });
}

/** Half a GST rate, exactly ("18" → "9", "5" → "2.5"); rates with several values ("18 / 12") are shown as they are. */
function halfOf(percent: string): string {
  if (!/^\d+(\.\d+)?$/.test(percent)) return `${percent} / 2`;
  return formatDecimal(parseDecimal(percent, PERCENT_SCALE, 'GST') * 5n, PERCENT_SCALE * 10n);
}

/** A measured quantity for people: milliseconds as minutes (to 0.01, half-up), the rest as counted. */
export function shownQuantity(quantity: number, unit: string): string {
  if (unit === 'ms') return `${formatDecimal(divideHalfUp(BigInt(quantity), 600n), 100n, 2)} min`;
  return `${quantity.toLocaleString('en-IN')} ${unit}`;
}
