import { createTheme } from '@mui/material/styles';

// Light and dark from one theme (CSS variables, so switching does not re-render the tree); the palette keeps text
// contrast at WCAG AA in both, which axe checks.
export const theme = createTheme({
  cssVariables: { colorSchemeSelector: 'class' },
  colorSchemes: {
    light: { palette: { primary: { main: '#1d4ed8' }, secondary: { main: '#7c3aed' } } },
    dark: { palette: { primary: { main: '#93c5fd' }, secondary: { main: '#c4b5fd' } } },
  },
  shape: { borderRadius: 8 },
  components: { MuiButtonBase: { defaultProps: { disableRipple: false } } },
});
