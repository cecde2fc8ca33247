import assert from "node:assert/strict";
import { test } from "node:test";

import { createElement } from "react";
import { renderToString } from "react-dom/server";

import { useSession, useSignOut } from "../dist/client.js";

test("useSession renders as loading on the server and fetches nothing there", () => {
  const calls = [];
  const saved = globalThis.fetch;
  globalThis.fetch = async (...args) => {
    calls.push(args);
    return new Response("{}");
  };
  try {
    let signOut;
    function View() {
      const { status, data } = useSession({ mountPath: "/auth/" });
      signOut = useSignOut({ mountPath: "/auth" });
      return createElement("p", null, `${status}:${data === null}`);
    }
    assert.equal(renderToString(createElement(View)), "<p>loading:true</p>");
    assert.equal(typeof signOut, "function");
    assert.equal(calls.length, 0, "effects do not run during server rendering");
  } finally {
    globalThis.fetch = saved;
  }
});
