import { resetPassword } from '@/app/actions';
import { ActionForm } from '@/components/action-form';

type Search = Promise<{ id?: string }>;

export default async function ResetPassword({ searchParams }: { searchParams: Search }) {
  const { id = '' } = await searchParams;
  return (
    <main>
      <h1>Choose a new password</h1>
      <p>Type the code we sent you and your new password.</p>
      <ActionForm action={resetPassword} submit="Change password">
        <input type="hidden" name="auth_request_id" value={id} />
        <label htmlFor="code">Code</label>
        <input id="code" name="code" inputMode="numeric" autoComplete="one-time-code" required />
        <label htmlFor="new_password">New password</label>
        <input id="new_password" name="new_password" type="password" autoComplete="new-password" minLength={8} required />
      </ActionForm>
    </main>
  );
}
