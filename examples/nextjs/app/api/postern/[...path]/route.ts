import { createPosternHandler } from '@postern/next/server';
import { postern } from '@/lib/postern';

// Postern's API and its magic-link page under this app's origin (first-party cookies).
export const { GET, HEAD, POST, PUT, PATCH, DELETE } = createPosternHandler(postern);
