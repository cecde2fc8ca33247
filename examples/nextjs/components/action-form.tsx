'use client';
import { useActionState, type ReactNode } from 'react';
import type { ActionState } from '@postern/next';

type Action = (state: ActionState, form: FormData) => Promise<ActionState>;

// A form posting to one of Postern's server actions; works without JavaScript, and with
// it shows the action's error in place.
export function ActionForm({ action, submit, children }: { action: Action; submit: string; children?: ReactNode }) {
  const [state, formAction, pending] = useActionState(action, {});
  return (
    <form action={formAction}>
      {state.error ? (
        <p role="alert" className="error" data-error={state.error}>
          {state.message}
        </p>
      ) : null}
      {children}
      <button type="submit" disabled={pending}>
        {submit}
      </button>
    </form>
  );
}
