import { verifyCode, resendCode } from '@/app/actions';
import { ActionForm } from '@/components/action-form';

type Search = Promise<{ id?: string; match?: string; redirect_to?: string }>;

export default async function EnterCode({ searchParams }: { searchParams: Search }) {
  const { id = '', match, redirect_to = '/dashboard' } = await searchParams;
  return (
    <main>
      <h1>Check your inbox</h1>
      <p>We sent a 6-digit code and a link. Type the code here, or open the link.</p>
      {match ? (
        <p className="muted">
          Opening the link on another device? Pick <strong data-testid="match-number">{match}</strong> there.
        </p>
      ) : null}
      <ActionForm action={verifyCode} submit="Continue">
        <input type="hidden" name="auth_request_id" value={id} />
        <input type="hidden" name="redirect_to" value={redirect_to} />
        <label htmlFor="code">Code</label>
        <input id="code" name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]*" required />
      </ActionForm>
      <ActionForm action={resendCode} submit="Send a new code">
        <input type="hidden" name="auth_request_id" value={id} />
      </ActionForm>
    </main>
  );
}
