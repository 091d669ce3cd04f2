// The agent's settings as a form, shared by the create page and the editor. Every control is labelled and shows
// the schema's error for its field as the person types.
import { Box, FormControl, FormHelperText, InputLabel, MenuItem, Select, Slider, TextField, Typography } from '@mui/material';
import type { FieldErrors } from './validate';
import { PROVIDERS } from './defaults';

/** The form edits a loose copy of the document; the schema decides what is valid. */
export type Draft = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Props {
  draft: Draft;
  onChange(next: Draft): void;
  errors: FieldErrors;
  readOnly: boolean;
  toolsText: string;
  onToolsText(text: string): void;
}

export function setPath(draft: Draft, path: string, value: unknown): Draft {
  const [head, ...rest] = path.split('.');
  if (rest.length === 0) {
    const next = { ...draft };
    if (value === undefined || value === '') delete next[head!];
    else next[head!] = value;
    return next;
  }
  return { ...draft, [head!]: setPath(draft[head!] ?? {}, rest.join('.'), value) };
}

/** Fields whose errors show under their own control; any other field's error is listed at the end of the form. */
const SHOWN = new Set(['id', 'name', 'language', 'systemPrompt', 'greeting', 'asr.provider', 'llm.provider', 'tts.provider', 'asr.model', 'llm.model', 'tts.voice',
  'asr.url', 'llm.url', 'tts.url', 'turn.silenceMs', 'turn.eagerness', 'tools', 'limits.callCapPaise']);

const get = (draft: Draft, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as Draft | undefined)?.[k], draft);

export function AgentFields({ draft, onChange, errors, readOnly, toolsText, onToolsText }: Props) {
  const text = (path: string, label: string, extra: { multiline?: boolean; required?: boolean; helper?: string } = {}) => (
    <TextField
      label={label} value={(get(draft, path) as string | undefined) ?? ''} required={extra.required} multiline={extra.multiline} minRows={extra.multiline ? 3 : undefined}
      onChange={(e) => onChange(setPath(draft, path, e.target.value === '' && !extra.required ? undefined : e.target.value))}
      error={Boolean(errors[path])} helperText={errors[path] ?? extra.helper} slotProps={{ input: { readOnly } }} fullWidth
    />
  );
  const provider = (stage: keyof typeof PROVIDERS) => (
    <FormControl fullWidth error={Boolean(errors[`${stage}.provider`])}>
      <InputLabel id={`${stage}-provider-label`}>{stage.toUpperCase()} provider</InputLabel>
      <Select labelId={`${stage}-provider-label`} label={`${stage.toUpperCase()} provider`} value={(get(draft, `${stage}.provider`) as string) ?? ''}
        readOnly={readOnly} onChange={(e) => onChange(setPath(draft, `${stage}.provider`, e.target.value))}>
        {PROVIDERS[stage].map((p) => <MenuItem key={p} value={p}>{p}</MenuItem>)}
      </Select>
      {errors[`${stage}.provider`] && <FormHelperText>{errors[`${stage}.provider`]}</FormHelperText>}
    </FormControl>
  );
  const choice = (path: string, label: string, options: [value: string, text: string][], fallback: string) => (
    <FormControl fullWidth>
      <InputLabel id={`${path}-label`}>{label}</InputLabel>
      <Select labelId={`${path}-label`} label={label} value={(get(draft, path) as string) ?? fallback} readOnly={readOnly}
        onChange={(e) => onChange(setPath(draft, path, e.target.value))}>
        {options.map(([value, optionText]) => <MenuItem key={value} value={value}>{optionText}</MenuItem>)}
      </Select>
    </FormControl>
  );
  const eagerness = Number(get(draft, 'turn.eagerness') ?? 0.5);
  return (
    <Box sx={{ display: 'grid', gap: 2 }}>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' } }}>
        {text('name', 'Name', { required: true })}
        {text('language', 'Language (BCP-47)', { required: true, helper: 'e.g. en-US, hi-IN' })}
      </Box>
      {text('systemPrompt', 'System prompt', { multiline: true })}
      {text('greeting', 'Greeting', { helper: 'spoken as the call starts; empty for none' })}
      <Typography variant="h6" component="h2">Providers</Typography>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '1fr 1fr 1fr' } }}>
        {provider('asr')}{provider('llm')}{provider('tts')}
        {text('asr.model', 'ASR model')}{text('llm.model', 'LLM model')}{text('tts.voice', 'Voice')}
        {(['asr', 'llm', 'tts'] as const).filter((stage) => get(draft, `${stage}.provider`) === 'stream').map((stage) => (
          <Box key={stage}>{text(`${stage}.url`, `${stage.toUpperCase()} stream engine URL (ws:// or wss://)`)}</Box>
        ))}
      </Box>
      <Typography variant="h6" component="h2">Turn taking</Typography>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, alignItems: 'center' }}>
        <Box>
          <Typography id="eagerness-label" gutterBottom>Turn eagerness: {eagerness.toFixed(2)} (0 patient, 1 eager)</Typography>
          <Slider aria-labelledby="eagerness-label" min={0} max={1} step={0.05} value={eagerness} disabled={readOnly}
            onChange={(_, v) => onChange(setPath(draft, 'turn.eagerness', v as number))} />
        </Box>
        <TextField label="Silence that ends a turn (ms)" type="number" value={get(draft, 'turn.silenceMs') ?? ''} slotProps={{ input: { readOnly } }}
          onChange={(e) => onChange(setPath(draft, 'turn.silenceMs', e.target.value === '' ? undefined : Number(e.target.value)))}
          error={Boolean(errors['turn.silenceMs'])} helperText={errors['turn.silenceMs'] ?? '100 to 5000'} />
        {choice('turn.speculative', 'Speculative replies', [['on', 'On: prepare it while the turn is confirmed'], ['off', 'Off: start the reply once the turn is confirmed']], 'on')}
        {choice('turn.overlap', 'Caller sound over the agent', [['pause', 'Pause at once, then resume or stop'], ['duck', 'Duck 12 dB; stop only for a real interruption']], 'pause')}
      </Box>
      <Typography variant="h6" component="h2">Limits</Typography>
      <TextField label="Per-call cost cap (paise)" type="number" value={get(draft, 'limits.callCapPaise') ?? ''} slotProps={{ input: { readOnly } }}
        onChange={(e) => onChange(setPath(draft, 'limits.callCapPaise', e.target.value === '' ? undefined : Number(e.target.value)))}
        error={Boolean(errors['limits.callCapPaise'])}
        helperText={errors['limits.callCapPaise'] ?? "empty: the tenant's cap only; else a call ends (closing line, then hang-up) at the smaller of the two"} />
      <Typography variant="h6" component="h2">Tools</Typography>
      <TextField label="Tools (JSON: builtins, webhooks, transferTargets)" multiline minRows={4} value={toolsText} onChange={(e) => onToolsText(e.target.value)}
        error={Boolean(errors.tools)} helperText={errors.tools ?? 'e.g. {"builtins": ["end_call"]}; a webhook without "secret" keeps its stored secret'}
        slotProps={{ input: { readOnly, sx: { fontFamily: 'monospace' } } }} fullWidth />
      {errors['turn.eagerness'] && <FormHelperText error>Turn eagerness: {errors['turn.eagerness']}</FormHelperText>}
      {Object.entries(errors).filter(([field]) => !SHOWN.has(field)).map(([field, message]) => (
        <FormHelperText key={field} error>{field === '$' ? message : `${field}: ${message}`}</FormHelperText>
      ))}
    </Box>
  );
}

/** Parses the tools text into the draft: empty means no tools; bad JSON is an error on the tools field. */
export function withTools(draft: Draft, toolsText: string): { doc: Draft; toolsError?: string } {
  if (!toolsText.trim()) {
    const { tools: _, ...rest } = draft;
    return { doc: rest };
  }
  try {
    return { doc: { ...draft, tools: JSON.parse(toolsText) } };
  } catch (e) {
    return { doc: draft, toolsError: `not valid JSON: ${(e as Error).message}` };
  }
}
