import { createPostern } from '@postern/next';

// Where this app's server reaches Postern, what Postern calls itself (its public_url: this
// app's origin + the route handler's path), and an API key with the `proxy` scope.
export const postern = createPostern({
  baseUrl: process.env.POSTERN_URL ?? 'http://127.0.0.1:8080',
  publicUrl: process.env.POSTERN_PUBLIC_URL ?? 'http://localhost:3000/api/postern',
  apiKey: process.env.POSTERN_API_KEY,
});
