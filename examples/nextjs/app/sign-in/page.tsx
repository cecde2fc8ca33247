import Link from 'next/link';
import { startSignIn, logIn } from '@/app/actions';
import { ActionForm } from '@/components/action-form';

type Search = Promise<{ redirect_to?: string; reset?: string }>;

export default async function SignIn({ searchParams }: { searchParams: Search }) {
  const { redirect_to = '/dashboard', reset } = await searchParams;
  return (
    <main>
      <h1>Sign in</h1>
      {reset ? <p className="notice">Your password was changed. Sign in with the new one.</p> : null}
      <h2>With a code or a link</h2>
      <ActionForm action={startSignIn} submit="Email me a code">
        <input type="hidden" name="redirect_to" value={redirect_to} />
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="email" required />
      </ActionForm>
      <h2>With a password</h2>
      <ActionForm action={logIn} submit="Sign in with password">
        <input type="hidden" name="redirect_to" value={redirect_to} />
        <label htmlFor="login-email">Email</label>
        <input id="login-email" name="email" type="email" autoComplete="username" required />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </ActionForm>
      <p>
        <Link href="/forgot-password">Forgot your password?</Link> · <Link href="/sign-up">Create an account</Link>
      </p>
    </main>
  );
}
