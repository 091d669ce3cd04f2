import { Link as RouterLink } from 'react-router';
import { Link, Typography } from '@mui/material';
import { PageTitle } from '../components/States';

export default function NotFound() {
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <Typography>There is nothing at this address. <Link component={RouterLink} to="/">Go to the overview</Link>.</Typography>
    </>
  );
}
