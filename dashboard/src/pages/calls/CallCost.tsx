import { useQuery } from '@tanstack/react-query';
import { Table, TableBody, TableCell, TableFooter, TableHead, TableRow } from '@mui/material';
import { api, statusOf, unwrap } from '../../api/client';
import { Empty, Failed, Loading } from '../../components/States';
import { rupees } from '../../format';

export function CallCost({ callId }: { callId: string }) {
  const record = useQuery({ queryKey: ['billing-record', callId], queryFn: async () => unwrap(await api.GET('/v1/billing/records/{callId}', { params: { path: { callId } } }), 'reading the cost') });
  if (record.isPending) return <Loading what="cost" />;
  if (record.isError) return statusOf(record.error) === 404 ? <Empty>Not priced yet: a call is priced once it has ended.</Empty> : <Failed error={record.error} retry={() => record.refetch()} />;
  const r = record.data.current;
  if (r.status === 'unpriced') return <Empty>Unpriced: {r.error}</Empty>;
  const gstLabel = r.terms.taxMode === 'intra' ? `CGST + SGST (${r.terms.gstPercent}%)` : `IGST (${r.terms.gstPercent}%)`;
  return (
    <Table size="small" aria-label="Cost breakdown">
      <TableHead><TableRow><TableCell>Component</TableCell><TableCell>Provider / model</TableCell><TableCell align="right">Quantity</TableCell><TableCell align="right">Cost</TableCell><TableCell align="right">Markup</TableCell><TableCell align="right">GST</TableCell><TableCell align="right">Total</TableCell></TableRow></TableHead>
      <TableBody>
        {r.lines.map((l, i) => (
          <TableRow key={i}>
            <TableCell>{l.component}</TableCell><TableCell>{l.provider} {l.model}</TableCell><TableCell align="right">{l.quantity} {l.quantityUnit}</TableCell>
            <TableCell align="right">{rupees(l.costPaise)}</TableCell><TableCell align="right">{rupees(l.markupPaise)}</TableCell><TableCell align="right">{rupees(l.gstPaise)}</TableCell><TableCell align="right">{rupees(l.totalPaise)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
      <TableFooter>
        <TableRow><TableCell colSpan={3}>Subtotal (markup {r.terms.markupPercent}%)</TableCell><TableCell align="right">{rupees(r.totals.costPaise)}</TableCell><TableCell align="right">{rupees(r.totals.markupPaise)}</TableCell><TableCell align="right" /><TableCell align="right">{rupees(r.totals.taxablePaise)}</TableCell></TableRow>
        <TableRow><TableCell colSpan={6}>{gstLabel}</TableCell><TableCell align="right">{rupees(r.totals.gstPaise)}</TableCell></TableRow>
        <TableRow><TableCell colSpan={6}><strong>Total (INR)</strong></TableCell><TableCell align="right"><strong data-testid="call-total">{rupees(r.totals.totalPaise)}</strong></TableCell></TableRow>
      </TableFooter>
    </Table>
  );
}
