import Link from 'next/link';
import { signUp } from '@/app/actions';
import { ActionForm } from '@/components/action-form';

export default function SignUp() {
  return (
    <main>
      <h1>Create an account</h1>
      <ActionForm action={signUp} submit="Create account">
        <input type="hidden" name="redirect_to" value="/dashboard" />
        <label htmlFor="name">Name</label>
        <input id="name" name="name" autoComplete="name" />
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="email" required />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="new-password" minLength={8} required />
      </ActionForm>
      <p>
        Already have one? <Link href="/sign-in">Sign in</Link>
      </p>
    </main>
  );
}
