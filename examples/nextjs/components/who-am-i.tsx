'use client';
import { useSession } from '@postern/next/client';

// The same session seen from the browser, through the app's route handler.
export function WhoAmI() {
  const { status, data } = useSession();
  return (
    <p className="muted" data-testid="client-session" data-status={status}>
      {status === 'authenticated' ? `The browser sees ${data?.user.email ?? data?.user.phone}` : status}
    </p>
  );
}
