import { forgotPassword } from '@/app/actions';
import { ActionForm } from '@/components/action-form';

export default function ForgotPassword() {
  return (
    <main>
      <h1>Reset your password</h1>
      <p>We will send a code (and a link) to the address of your account.</p>
      <ActionForm action={forgotPassword} submit="Send me a code">
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="email" required />
      </ActionForm>
    </main>
  );
}
