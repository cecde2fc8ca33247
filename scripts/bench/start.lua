-- wrk scenario "start": POST /v1/passwordless/start, a new address on every request.
-- Script arguments (after "--"): a run tag that keeps addresses unique across runs, and
-- optionally an API key: then POST /admin/v1/passwordless/send (headless) instead.
-- Addresses: <tag>-<thread>-<counter>@example.com

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local tag = "run"
local n = 0
local headers = { ["Content-Type"] = "application/json" }
local path = "/v1/passwordless/start"

function init(args)
   tag = args[1] or tag
   if args[2] and args[2] ~= "" then
      path = "/admin/v1/passwordless/send"
      headers["Authorization"] = "Bearer " .. args[2]
   end
end

function request()
   n = n + 1
   local body = string.format('{"email":"%s-%d-%d@example.com"}', tag, thread_id, n)
   return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
   bench_report(summary, latency)
end
