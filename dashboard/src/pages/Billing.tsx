// Usage by day, agent or component over a date range, and the tenant's invoices with their PDFs.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Box, Button, FormControl, InputLabel, MenuItem, Paper, Select, Table, TableBody, TableCell, TableContainer, TableFooter, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { BarChart } from '@mui/x-charts/BarChart';
import { api, unwrap } from '../api/client';
import { accessToken } from '../auth/session';
import { Empty, Failed, Loading, PageTitle } from '../components/States';
import { istDay, rupees, when } from '../format';

type GroupBy = 'day' | 'agent' | 'component';

async function downloadPdf(id: string, number: string) {
  const response = await fetch(`/v1/invoices/${encodeURIComponent(id)}/pdf`, { headers: { authorization: `Bearer ${await accessToken()}` } });
  if (!response.ok) throw new Error(`the PDF could not be fetched (${response.status})`);
  const url = URL.createObjectURL(await response.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: `${number.replace(/[^\w-]+/g, '_')}.pdf` });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export default function Billing() {
  const [groupBy, setGroupBy] = useState<GroupBy>('day');
  const [from, setFrom] = useState(istDay(-29));
  const [to, setTo] = useState(istDay(1));
  const [pdfError, setPdfError] = useState<string | null>(null);
  const usage = useQuery({
    queryKey: ['usage', groupBy, from, to], enabled: Boolean(from && to),
    queryFn: async () => unwrap(await api.GET('/v1/usage', { params: { query: { from, to, group_by: groupBy } } }), 'reading usage'),
  });
  const invoices = useQuery({ queryKey: ['invoices'], queryFn: async () => unwrap(await api.GET('/v1/invoices'), 'listing invoices') });
  return (
    <>
      <PageTitle>Billing</PageTitle>
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 2 }}>
        <FormControl size="small" sx={{ minWidth: 160 }}>
          <InputLabel id="group-label">Group usage by</InputLabel>
          <Select labelId="group-label" label="Group usage by" value={groupBy} onChange={(e) => setGroupBy(e.target.value as GroupBy)}>
            <MenuItem value="day">Day</MenuItem><MenuItem value="agent">Agent</MenuItem><MenuItem value="component">Component</MenuItem>
          </Select>
        </FormControl>
        <TextField size="small" type="date" label="From (IST)" value={from} onChange={(e) => setFrom(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" type="date" label="To, exclusive (IST)" value={to} onChange={(e) => setTo(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
      </Box>
      {usage.isPending ? <Loading what="usage" />
        : usage.isError ? <Failed error={usage.error} retry={() => usage.refetch()} />
          : usage.data.groups.length === 0 ? <Empty>No priced calls in this range.</Empty>
            : (
              <Box sx={{ display: 'grid', gap: 2, mb: 3 }}>
                <Paper component="figure" sx={{ p: 2, m: 0 }} aria-label={`Cost by ${groupBy}`}>
                  <Typography component="figcaption" variant="h6">Cost by {groupBy} (INR)</Typography>
                  <BarChart height={240} xAxis={[{ data: usage.data.groups.map((g) => g.key), scaleType: 'band' }]} series={[{ data: usage.data.groups.map((g) => g.totalPaise / 100), label: 'INR' }]} />
                </Paper>
                <TableContainer component={Paper}>
                  <Table size="small" aria-label={`Usage by ${groupBy}`}>
                    <TableHead><TableRow><TableCell>{groupBy}</TableCell><TableCell align="right">Calls</TableCell><TableCell align="right">Quantity</TableCell><TableCell align="right">Cost</TableCell><TableCell align="right">Markup</TableCell><TableCell align="right">GST</TableCell><TableCell align="right">Total</TableCell></TableRow></TableHead>
                    <TableBody>
                      {usage.data.groups.map((g) => (
                        <TableRow key={g.key}><TableCell>{g.key}</TableCell><TableCell align="right">{g.calls}</TableCell><TableCell align="right">{g.quantity == null ? '—' : `${g.quantity} ${g.quantityUnit ?? ''}`}</TableCell>
                          <TableCell align="right">{rupees(g.costPaise)}</TableCell><TableCell align="right">{rupees(g.markupPaise)}</TableCell><TableCell align="right">{rupees(g.gstPaise)}</TableCell><TableCell align="right">{rupees(g.totalPaise)}</TableCell></TableRow>
                      ))}
                    </TableBody>
                    <TableFooter><TableRow><TableCell>Total{usage.data.totals.unpricedCalls ? ` (${usage.data.totals.unpricedCalls} unpriced calls left out)` : ''}</TableCell><TableCell align="right">{usage.data.totals.calls}</TableCell><TableCell /><TableCell align="right">{rupees(usage.data.totals.costPaise)}</TableCell><TableCell align="right">{rupees(usage.data.totals.markupPaise)}</TableCell><TableCell align="right">{rupees(usage.data.totals.gstPaise)}</TableCell><TableCell align="right">{rupees(usage.data.totals.totalPaise)}</TableCell></TableRow></TableFooter>
                  </Table>
                </TableContainer>
              </Box>
            )}
      <Typography variant="h6" component="h2" gutterBottom>Invoices</Typography>
      {pdfError && <Failed error={new Error(pdfError)} />}
      {invoices.isPending ? <Loading what="invoices" />
        : invoices.isError ? <Failed error={invoices.error} retry={() => invoices.refetch()} />
          : invoices.data.invoices.length === 0 ? <Empty>No invoices yet: they are issued per month (POST /v1/invoices).</Empty>
            : (
              <TableContainer component={Paper}>
                <Table size="small" aria-label="Invoices">
                  <TableHead><TableRow><TableCell>Number</TableCell><TableCell>Period</TableCell><TableCell>Issued</TableCell><TableCell align="right">Total</TableCell><TableCell>PDF</TableCell></TableRow></TableHead>
                  <TableBody>
                    {invoices.data.invoices.map((inv) => (
                      <TableRow key={inv.id}>
                        <TableCell>{inv.number}</TableCell><TableCell>{inv.period}</TableCell><TableCell>{when(inv.issuedAt)}</TableCell><TableCell align="right">{rupees(inv.totalPaise)}</TableCell>
                        <TableCell><Button size="small" aria-label={`Download invoice ${inv.number} as PDF`} onClick={() => downloadPdf(inv.id, inv.number).catch((e: Error) => setPdfError(e.message))}>Download PDF</Button></TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
            )}
    </>
  );
}
