// Compile-time checks of the public API as an app uses it (run by test/types.test.mjs
// with `tsc -p test/types`). Every `@ts-expect-error` must be an error.
import { createPostern, type ActionState, type SessionInfo, type PosternUser } from "@postern/next";
import {
  createPosternHandler,
  getAccessToken,
  getSession,
  posternActions,
  requireSession,
  verifyAccessToken,
} from "@postern/next/server";
import { posternProxy } from "@postern/next/proxy";
import { useSession, useSignOut } from "@postern/next/client";
import { createPosternClient, type Schema } from "@postern/next/admin";

const postern = createPostern({
  baseUrl: "http://127.0.0.1:8080",
  publicUrl: "http://localhost:3000/api/postern",
  apiKey: "pst_x",
});

// The app's 'use server' file.
export const { startSignIn, verifyCode, resendCode, signUp, logIn, forgotPassword, resetPassword, signOut } =
  posternActions(postern);

// useActionState's shape, and a plain <form action>.
type StateAction = (state: ActionState, payload: FormData) => Promise<ActionState>;
type FormAction = (formData: FormData) => void | Promise<void>;
export const actions: StateAction[] = [startSignIn, verifyCode, resendCode, signUp, logIn, forgotPassword, resetPassword, signOut];
export const plainSignOut: FormAction = signOut;
export const fromAButton: Promise<void> = signOut();

// app/api/postern/[...path]/route.ts
export const { GET, HEAD, POST, PUT, PATCH, DELETE } = createPosternHandler(postern);
type RouteHandler = (request: Request, context: { params: Promise<{ path: string[] }> }) => Promise<Response>;
export const routes: RouteHandler[] = [GET, HEAD, POST, PUT, PATCH, DELETE];

// proxy.ts
export const proxy: (request: Request) => Promise<Response | undefined> = posternProxy({
  protect: ["/dashboard", /^\/settings(\/|$)/],
  postern,
});

export async function page(): Promise<string> {
  const info: SessionInfo | null = await getSession(postern);
  const required: SessionInfo = await requireSession(postern, { redirectTo: "/dashboard" });
  const user: PosternUser = required.user;
  const token: string | null = await getAccessToken(postern);
  const claims = token ? await verifyAccessToken(postern, token) : null;
  const sub: string | undefined = claims?.sub;
  const sid: string | undefined = claims?.sid;
  return `${info?.user.id}${user.email ?? ""}${sub}${sid}${required.session.expires_at}`;
}

export function Component(): string {
  const { status, data, refresh } = useSession({ mountPath: "/api/postern" });
  const out = useSignOut({ redirectTo: "/" });
  void refresh();
  void out("others");
  const s: "loading" | "authenticated" | "unauthenticated" = status;
  return `${s}${data?.user.id ?? ""}`;
}

const admin = createPosternClient({ baseUrl: "http://127.0.0.1:8080", apiKey: "pst_x" });

export async function adminCalls(): Promise<void> {
  const user: Schema<"AccountView"> = await admin.request("get", "/admin/v1/users/{id}", { params: { path: { id: "x" } } });
  const page = await admin.request("get", "/admin/v1/users", { params: { query: { limit: 5, query: "al" } } });
  const first: string | null | undefined = page.items[0]?.email;
  const nothing: undefined = await admin.request("delete", "/admin/v1/users/{id}", { params: { path: { id: "x" } } });
  await admin.request("get", "/admin/v1/users");
  const created: Schema<"AccountView"> = await admin.users.create({ email: "a@example.com" });
  const verified: Schema<"IdentifiedView"> = await admin.passwordless.verify({ auth_request_id: "r", code: "123456" });
  void [user, first, nothing, created, verified];

  // @ts-expect-error the path parameters are required
  await admin.request("get", "/admin/v1/users/{id}");
  // @ts-expect-error PUT is not an operation of this path
  await admin.request("put", "/admin/v1/users");
  // @ts-expect-error not an admin path
  await admin.request("get", "/v1/session");
  // @ts-expect-error the body is required
  await admin.request("post", "/admin/v1/users", {});
  // @ts-expect-error `disabled` is a boolean
  await admin.request("patch", "/admin/v1/users/{id}", { params: { path: { id: "x" } }, body: { disabled: "yes" } });
  // @ts-expect-error an unknown query parameter
  await admin.users.list({ page: 2 });
}

// @ts-expect-error baseUrl is required
createPostern({});
