-- wrk scenario "start": POST /v1/passwordless/start, a new address on every request.
-- Script argument (after "--"): a run tag that keeps addresses unique across runs.
-- Addresses: <tag>-<thread>-<counter>@example.com

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local tag = "run"
local n = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
   tag = args[1] or tag
end

function request()
   n = n + 1
   local body = string.format('{"email":"%s-%d-%d@example.com"}', tag, thread_id, n)
   return wrk.format("POST", "/v1/passwordless/start", headers, body)
end

function done(summary, latency, requests)
   bench_report(summary, latency)
end
