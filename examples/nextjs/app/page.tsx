import Link from 'next/link';
import { getSession } from '@postern/next/server';
import { postern } from '@/lib/postern';

export default async function Home() {
  const signedIn = await getSession(postern);
  return (
    <main>
      <h1>Postern × Next.js</h1>
      <p>An App Router app whose sign-in, sign-up, password reset and sessions are Postern's.</p>
      <p>{signedIn ? <Link href="/dashboard">Go to your dashboard</Link> : <Link href="/sign-in">Sign in</Link>}</p>
    </main>
  );
}
