// What `@postern/next/server` resolves to outside the `react-server` condition: in a
// client component (or any bundle that is not server code). It fails loudly at import,
// as the `server-only` package would, so the API key and the session logic never reach
// a browser bundle.

throw new Error(
  "@postern/next/server can only be used in server code: Server Components, server actions, route handlers. " +
    "In a client component use @postern/next/client; in proxy.ts or middleware.ts use @postern/next/proxy.",
);

export {};
