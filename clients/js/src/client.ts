"use client";
/**
 * `@postern/next/client`: React hooks for client components. They talk to Postern
 * through the app's route handler (`createPosternHandler`), same-origin, with the
 * browser's cookies. Display only: authorisation is `requireSession` on the server.
 *
 * @module
 */

import { useCallback, useEffect, useRef, useState } from "react";

import type { SessionInfo } from "./index.js";

export type SessionStatus = "loading" | "authenticated" | "unauthenticated";

export interface UseSessionResult {
  status: SessionStatus;
  data: SessionInfo | null;
  /** Asks again (after a sign-in or sign-out in another tab, say). */
  refresh: () => Promise<void>;
}

const DEFAULT_MOUNT = "/api/postern";

function mount(path: string | undefined): string {
  const m = path ?? DEFAULT_MOUNT;
  return m.length > 1 ? m.replace(/\/+$/, "") : m;
}

/**
 * The signed-in session as the browser sees it: `GET <mountPath>/v1/session`
 * (same-origin, with credentials, never cached).
 */
export function useSession(options: { mountPath?: string } = {}): UseSessionResult {
  const base = mount(options.mountPath);
  const [state, setState] = useState<{ status: SessionStatus; data: SessionInfo | null }>({
    status: "loading",
    data: null,
  });
  const latest = useRef(0);

  const refresh = useCallback(async () => {
    const ticket = ++latest.current;
    let next: { status: SessionStatus; data: SessionInfo | null } = { status: "unauthenticated", data: null };
    try {
      const res = await fetch(`${base}/v1/session`, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { accept: "application/json" },
      });
      if (res.ok) {
        const body = (await res.json()) as SessionInfo;
        if (body && body.user && body.session) next = { status: "authenticated", data: body };
      }
    } catch {
      // unreachable: shown as signed out
    }
    // Only the newest answer counts.
    if (ticket === latest.current) setState(next);
  }, [base]);

  useEffect(() => {
    void refresh();
    return () => {
      // An answer that arrives after unmount is dropped.
      latest.current++;
    };
  }, [refresh]);

  return { status: state.status, data: state.data, refresh };
}

/**
 * A function that signs out (`POST <mountPath>/v1/logout` with a JSON body) and then
 * goes to `redirectTo` (default `"/sign-in"`).
 */
export function useSignOut(
  options: { mountPath?: string; redirectTo?: string } = {},
): (scope?: "current" | "others" | "all") => Promise<void> {
  const base = mount(options.mountPath);
  const to = options.redirectTo ?? "/sign-in";
  return useCallback(
    async (scope: "current" | "others" | "all" = "current") => {
      await fetch(`${base}/v1/logout`, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ scope }),
      });
      window.location.assign(to);
    },
    [base, to],
  );
}
