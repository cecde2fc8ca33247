import { posternProxy } from '@postern/next/proxy';
import { postern } from '@/lib/postern';

// An early redirect for signed-out visitors only; the real check is requireSession in
// each page (a proxy can be skipped: CVE-2025-29927).
export const proxy = posternProxy({ postern, protect: ['/dashboard'] });

export const config = { matcher: ['/dashboard/:path*'] };
