import { requireSession } from '@postern/next/server';
import { postern } from '@/lib/postern';
import { signOut } from '@/app/actions';
import { ActionForm } from '@/components/action-form';
import { WhoAmI } from '@/components/who-am-i';

export default async function Dashboard() {
  // The data-access-layer check: no session, no dashboard (whatever the proxy did).
  const { user, session } = await requireSession(postern, { redirectTo: '/dashboard' });
  return (
    <main>
      <h1>Dashboard</h1>
      <p data-testid="signed-in-as">
        Signed in as <strong>{user.email ?? user.phone}</strong>
      </p>
      <dl>
        <dt>User id</dt>
        <dd>{user.id}</dd>
        <dt>This device</dt>
        <dd>{session.device}</dd>
        <dt>Session expires</dt>
        <dd>{session.expires_at}</dd>
      </dl>
      <WhoAmI />
      <ActionForm action={signOut} submit="Sign out">
        <input type="hidden" name="scope" value="current" />
      </ActionForm>
    </main>
  );
}
