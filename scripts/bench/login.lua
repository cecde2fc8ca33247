-- wrk scenario "password login": POST /v1/login, each request a different account, in
-- turn, with the right password (postern-bench's login-flood scenario creates the accounts
-- first).
--
-- Script arguments (after "--"): number of accounts N, password, number of wrk threads T,
-- address prefix. Account i (0 <= i < N) is <prefix><i>@example.com. Thread t sends
-- accounts t, t+T, t+2T, ... (mod N): together the threads cycle through every account,
-- and consecutive requests never use the same one.
--
-- Every answer is checked here (wrk counts only statuses > 399): the BENCH line carries
-- non2xx, the exact count of answers outside 200-299, and the first such answer is
-- printed (status and the start of its body) to tell why.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local accounts = 1
local password = ""
local threads = 1
local prefix = "login"
local n = 0
local headers = { ["Content-Type"] = "application/json" }

-- Read by done() through thread:get(), so globals.
non2xx = 0
first_failure = nil

function init(args)
   accounts = tonumber(args[1]) or accounts
   -- JSON string escaping for the characters that need it in a password.
   password = (args[2] or password):gsub('[\\"]', "\\%0")
   threads = tonumber(args[3]) or threads
   prefix = args[4] or prefix
   n = thread_id
end

function request()
   local i = n % accounts
   n = n + threads
   local body = string.format('{"email":"%s%d@example.com","password":"%s"}', prefix, i, password)
   return wrk.format("POST", "/v1/login", headers, body)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if first_failure == nil then
         first_failure = string.format("%d %s", status, (body or ""):sub(1, 200):gsub("%s+", " "))
      end
   end
end

function done(summary, latency, requests)
   for _, t in ipairs(bench_threads) do
      local failure = t:get("first_failure")
      if failure then
         io.write("FIRST_FAILURE " .. failure .. "\n")
         break
      end
   end
   bench_report(summary, latency, { { "non2xx", bench_sum("non2xx") } })
end
