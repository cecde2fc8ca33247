/**
 * `@postern/next/admin`: a typed client for Postern's server-to-server API
 * (`/admin/v1/*`, `Authorization: Bearer <api key>`). Plain: usable from route handlers,
 * server actions and scripts alike. Its types come from Postern's OpenAPI document
 * (`src/generated/openapi.ts`). Keep the API key on the server.
 *
 * @module
 */

import { PosternError } from "./index.js";
import { discard, errorOf, unreachable } from "./http.js";
import type { components, operations, paths } from "./generated/openapi.js";

export type { components, operations, paths };
export { PosternError };

/** A schema of Postern's OpenAPI document, by name: `Schema<"AccountView">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** The admin paths of the document. */
export type AdminPath = Extract<keyof paths, `/admin/${string}`>;

type OperationOf<P extends AdminPath, M extends HttpMethod> = NonNullable<paths[P][M]>;

/** The admin paths that have method `M`. */
export type AdminPathFor<M extends HttpMethod> = {
  [P in AdminPath]: [OperationOf<P, M>] extends [never] ? never : P;
}[AdminPath];

type ParametersOf<O> = O extends { parameters: infer X } ? X : Record<string, never>;
type PathParamsOf<O> = ParametersOf<O> extends { path: infer X } ? X : never;
type QueryParamsOf<O> = ParametersOf<O> extends { query?: infer X } ? X : never;
type BodyOf<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? { body: B }
  : O extends { requestBody?: { content: { "application/json": infer B } } }
    ? { body?: B }
    : { body?: never };

type Defined<T> = [T] extends [never] ? false : [T] extends [undefined] ? false : true;

type ParamsOption<O> =
  Defined<PathParamsOf<O>> extends true
    ? { params: { path: PathParamsOf<O> } & (Defined<QueryParamsOf<O>> extends true ? { query?: QueryParamsOf<O> } : object) }
    : Defined<QueryParamsOf<O>> extends true
      ? { params?: { query?: QueryParamsOf<O> } }
      : { params?: never };

/** The options of `request(method, path, options)` for that operation. */
export type RequestOptions<O> = ParamsOption<O> &
  BodyOf<O> & {
    /** Extra headers (the end user's `X-Postern-Client-Ip`, say, with a `proxy` key). */
    headers?: HeadersInit;
    signal?: AbortSignal;
  };

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 206;

/** The JSON of an operation's success answer (`undefined` for 204). */
export type ResponseOf<O> = O extends { responses: infer R }
  ? {
      [S in keyof R & SuccessStatus]: R[S] extends { content: { "application/json": infer T } } ? T : undefined;
    }[keyof R & SuccessStatus]
  : never;

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type OptionsArg<O> = [RequiredKeys<RequestOptions<O>>] extends [never]
  ? [options?: RequestOptions<O>]
  : [options: RequestOptions<O>];

export interface PosternClientOptions {
  /** Where the app's server reaches Postern, e.g. `"http://127.0.0.1:8080"`. */
  baseUrl: string;
  /** A `pst_…` API key with the scopes the calls need. */
  apiKey: string;
  fetch?: typeof fetch;
}

type Account = Schema<"AccountView">;
type Page<T> = { items: T[]; next_cursor?: string | null };

/** The typed admin client. */
export interface PosternClient {
  /**
   * Any admin operation, typed from the OpenAPI document:
   * `request("get", "/admin/v1/users/{id}", { params: { path: { id } } })`.
   */
  request<M extends HttpMethod, P extends AdminPathFor<M>>(
    method: M,
    path: P,
    ...options: OptionsArg<OperationOf<P, M>>
  ): Promise<ResponseOf<OperationOf<P, M>>>;
  users: {
    /** Lists or searches (`query`: email, phone or name prefix) one page of accounts. */
    list(q?: { query?: string; cursor?: string; limit?: number }): Promise<Schema<"PageView_AccountView">>;
    /** One account, by id (or email or phone). */
    get(id: string): Promise<Account>;
    create(body: Schema<"CreateBody">): Promise<Account>;
    update(id: string, body: Schema<"UpdateBody">): Promise<Account>;
    delete(id: string): Promise<void>;
    /** Ends every session and refuses every sign-in method. */
    disable(id: string): Promise<Account>;
    enable(id: string): Promise<Account>;
    sessions(id: string): Promise<Schema<"PageView_SessionView">>;
    /** Signs the user out everywhere. */
    revokeSessions(id: string): Promise<void>;
    revokeSession(id: string, sid: string): Promise<void>;
  };
  passwordless: {
    send(body: Schema<"HeadlessSendBody">): Promise<Schema<"StartedView">>;
    verify(body: Schema<"HeadlessVerifyBody">): Promise<Schema<"IdentifiedView">>;
    resend(body: Schema<"HeadlessResendBody">): Promise<Schema<"StartedView">>;
  };
  messages: {
    list(q?: NonNullable<operations["adminListMessages"]["parameters"]["query"]>): Promise<Schema<"PageView_MessageView">>;
  };
  audit: {
    list(q?: NonNullable<operations["adminListAuditEvents"]["parameters"]["query"]>): Promise<Schema<"PageView_AuditEventView">>;
  };
}

/** Fills `{name}` placeholders with encoded values; a missing one is an error. */
export function buildPath(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === null || v === "") {
      throw new TypeError(`Postern admin client: the path parameter "${name}" of ${template} is missing`);
    }
    return encodeURIComponent(String(v));
  });
}

/** `?a=1&b=x` of the defined values of `query` (arrays repeat the key). */
export function buildQuery(query: Record<string, unknown> | undefined): string {
  if (!query) return "";
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      for (const v of value) search.append(key, String(v));
    } else {
      search.append(key, String(value));
    }
  }
  const s = search.toString();
  return s ? `?${s}` : "";
}

/** A client for `/admin/v1/*`. Errors are thrown as `PosternError`. */
export function createPosternClient(options: PosternClientOptions): PosternClient {
  if (!options || typeof options.baseUrl !== "string") {
    throw new TypeError("createPosternClient: baseUrl is required");
  }
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new TypeError(`createPosternClient: baseUrl is not a valid URL: ${JSON.stringify(options.baseUrl)}`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new TypeError("createPosternClient: baseUrl must be an http or https URL");
  }
  if (typeof options.apiKey !== "string" || !/^pst_\S+$/.test(options.apiKey)) {
    throw new TypeError('createPosternClient: apiKey must be a Postern API key (it starts with "pst_")');
  }
  const baseUrl = (base.origin + base.pathname).replace(/\/+$/, "");
  const apiKey = options.apiKey;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  async function send(method: string, path: string, options: Record<string, unknown> = {}): Promise<unknown> {
    const params = (options.params ?? {}) as { path?: Record<string, unknown>; query?: Record<string, unknown> };
    const url = baseUrl + buildPath(path, params.path) + buildQuery(params.query);
    const headers = new Headers(options.headers as HeadersInit | undefined);
    headers.set("authorization", `Bearer ${apiKey}`);
    headers.set("accept", "application/json");
    const init: RequestInit = { method: method.toUpperCase(), headers, cache: "no-store", redirect: "manual" };
    if (options.body !== undefined) {
      headers.set("content-type", "application/json");
      init.body = JSON.stringify(options.body);
    }
    if (options.signal) init.signal = options.signal as AbortSignal;
    let res: Response;
    try {
      res = await doFetch(url, init);
    } catch (e) {
      throw unreachable(e);
    }
    if (!res.ok) throw await errorOf(res);
    if (res.status === 204 || res.status === 205) {
      await discard(res);
      return undefined;
    }
    const text = await res.text();
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new PosternError("invalid_response", `Postern answered ${res.status} with a body that is not JSON`, 502, {
        cause: e,
      });
    }
  }

  const request = ((method: HttpMethod, path: string, options?: Record<string, unknown>) =>
    send(method, path, options)) as PosternClient["request"];

  return Object.freeze({
    request,
    users: Object.freeze({
      list: (q = {}) => request("get", "/admin/v1/users", { params: { query: q } }),
      get: (id: string) => request("get", "/admin/v1/users/{id}", { params: { path: { id } } }),
      create: (body: Schema<"CreateBody">) => request("post", "/admin/v1/users", { body }),
      update: (id: string, body: Schema<"UpdateBody">) =>
        request("patch", "/admin/v1/users/{id}", { params: { path: { id } }, body }),
      delete: async (id: string) => {
        await request("delete", "/admin/v1/users/{id}", { params: { path: { id } } });
      },
      disable: (id: string) => request("post", "/admin/v1/users/{id}/disable", { params: { path: { id } } }),
      enable: (id: string) => request("post", "/admin/v1/users/{id}/enable", { params: { path: { id } } }),
      sessions: (id: string) => request("get", "/admin/v1/users/{id}/sessions", { params: { path: { id } } }),
      revokeSessions: async (id: string) => {
        await request("delete", "/admin/v1/users/{id}/sessions", { params: { path: { id } } });
      },
      revokeSession: async (id: string, sid: string) => {
        await request("delete", "/admin/v1/users/{id}/sessions/{sid}", { params: { path: { id, sid } } });
      },
    }),
    passwordless: Object.freeze({
      send: (body: Schema<"HeadlessSendBody">) => request("post", "/admin/v1/passwordless/send", { body }),
      verify: (body: Schema<"HeadlessVerifyBody">) => request("post", "/admin/v1/passwordless/verify", { body }),
      resend: (body: Schema<"HeadlessResendBody">) => request("post", "/admin/v1/passwordless/resend", { body }),
    }),
    messages: Object.freeze({
      list: (q = {}) => request("get", "/admin/v1/messages", { params: { query: q } }),
    }),
    audit: Object.freeze({
      list: (q = {}) => request("get", "/admin/v1/audit", { params: { query: q } }),
    }),
  });
}
