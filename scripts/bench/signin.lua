-- wrk scenario "full sign-in": start -> read the code from the dev inbox -> verify,
-- many sign-ins in flight at once on every connection of every thread.
-- Script arguments (after "--"): a run tag that keeps addresses unique across runs, and
-- optionally an API key: then the flow is the headless one (POST /admin/v1/passwordless/send
-- and /verify with `Authorization: Bearer <key>`), whose verify answers the user, no session.
--
-- How requests and responses are matched up
-- ------------------------------------------
-- wrk gives response() no connection identity, and with 16 connections per thread the
-- responses of one thread arrive in any order, so neither "the last request sent" nor a
-- FIFO of requests says which flow a response belongs to. Worse, two of the three
-- answers do not name their flow: the start answer has the auth_request_id but not the
-- address, and an empty inbox answer ({"messages":[]}) has neither.
--
-- So every request carries its flow in an X-Request-Id header, which the server keeps
-- (it only generates an id when the client sent none, or one that is not a short run of
-- [A-Za-z0-9._-]) and echoes on the response; <local> is the address before @example.com:
--   "s.<local>"                   start
--   "i.<local>.<request id>"      inbox read
--   "v.<local>.<request id>"      verify
-- response() reads the step and the flow from that header and checks that the body is
-- the answer it expects (a start answer has "match_number", an inbox answer "messages",
-- a verify answer "session" and the flow's address); anything else is counted, never
-- guessed at.
--
-- The inbox read asks the server to wait for the message (`&wait=5`): it answers the
-- moment the outbox worker has delivered it, instead of the client polling (issue 15,
-- item 5; polling, 59 % of the reads came back empty and were sent again).
--
-- Each thread keeps a FIFO of next steps. response() pushes the flow's next step (an
-- inbox read after a start, a verify once the inbox holds the code, the same inbox read
-- again, at the back of the queue, should the wait end before the delivery). request()
-- pops the oldest next step, or starts a new flow when there is none. wrk calls
-- response() and then request() on the same connection, so every flow is always either
-- in flight on one connection or waiting in the queue: flows in progress stay bounded by
-- the connection count, which done() checks.
--
-- Counters (per thread, summed in done()):
--   starts_ok, inbox_reads, inbox_empty (the wait ended before the delivery, read again),
--   signins (verify 200 whose body names the flow's address), and failures per step.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local tag = "run"
local n = 0

-- FIFO of pending steps: {kind = "i"|"v", addr, rid, code}
local queue, qhead, qtail = {}, 1, 0
local function push(step) qtail = qtail + 1; queue[qtail] = step end
local function pop()
   if qhead > qtail then return nil end
   local step = queue[qhead]
   queue[qhead] = nil
   qhead = qhead + 1
   return step
end

-- Globals, read by done() through thread:get().
starts_sent, starts_ok, start_failed = 0, 0, 0
inbox_reads, inbox_empty, inbox_failed = 0, 0, 0
verifies_sent, signins, verify_failed, verify_mismatch = 0, 0, 0, 0
untagged, non2xx = 0, 0

local start_path, verify_path, auth = "/v1/passwordless/start", "/v1/passwordless/verify", nil

function init(args)
   tag = args[1] or tag
   if args[2] and args[2] ~= "" then
      start_path, verify_path = "/admin/v1/passwordless/send", "/admin/v1/passwordless/verify"
      auth = "Bearer " .. args[2]
   end
end

local function with_auth(h)
   if auth then h["Authorization"] = auth end
   return h
end

local function urlencode(s)
   return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- The part of an address before "@example.com", which is what a request id carries.
local function tagged(addr)
   return (addr:gsub("@example%.com$", ""))
end

function request()
   local step = pop()
   if step == nil then
      n = n + 1
      local addr = string.format("%s-%d-%d@example.com", tag, thread_id, n)
      starts_sent = starts_sent + 1
      return wrk.format("POST", start_path,
         with_auth({ ["Content-Type"] = "application/json", ["X-Request-Id"] = "s." .. tagged(addr) }),
         '{"email":"' .. addr .. '"}')
   elseif step.kind == "i" then
      inbox_reads = inbox_reads + 1
      return wrk.format("GET", "/dev/inbox.json?wait=5&to=" .. urlencode(step.addr),
         { ["X-Request-Id"] = "i." .. tagged(step.addr) .. "." .. step.rid })
   else
      verifies_sent = verifies_sent + 1
      return wrk.format("POST", verify_path,
         with_auth({ ["Content-Type"] = "application/json", ["X-Request-Id"] = "v." .. tagged(step.addr) .. "." .. step.rid }),
         '{"auth_request_id":"' .. step.rid .. '","code":"' .. step.code .. '"}')
   end
end

function response(status, headers, body)
   if status < 200 or status > 299 then non2xx = non2xx + 1 end
   local id = headers["x-request-id"] or headers["X-Request-Id"]
   local kind, addr, rid
   if id then
      local loc
      kind, loc, rid = id:match("^(%a)%.([%w%-_]+)%.?([%w%-_]*)$")
      if loc then addr = loc .. "@example.com" end
   end
   if kind == nil then
      untagged = untagged + 1
   elseif kind == "s" then
      local new_rid = status == 200 and body:find('"match_number"', 1, true)
         and body:match('"auth_request_id":"([^"]+)"')
      if new_rid then
         starts_ok = starts_ok + 1
         push({ kind = "i", addr = addr, rid = new_rid })
      else
         start_failed = start_failed + 1
      end
   elseif kind == "i" then
      if status ~= 200 or not body:find('"messages"', 1, true) then
         inbox_failed = inbox_failed + 1
      else
         local code = body:match("Your code: (%d%d%d%d%d%d)")
         if code then
            push({ kind = "v", addr = addr, rid = rid, code = code })
         else
            inbox_empty = inbox_empty + 1
            push({ kind = "i", addr = addr, rid = rid })
         end
      end
   elseif kind == "v" then
      if status == 200 and (body:find('"session"', 1, true) or body:find('"created"', 1, true)) then
         if body:find('"email":"' .. addr .. '"', 1, true) then
            signins = signins + 1
         else
            verify_mismatch = verify_mismatch + 1
         end
      else
         verify_failed = verify_failed + 1
      end
   else
      untagged = untagged + 1
   end
end

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local s = {}
   for _, name in ipairs({ "starts_sent", "starts_ok", "start_failed", "inbox_reads", "inbox_empty",
                           "inbox_failed", "verifies_sent", "signins", "verify_failed",
                           "verify_mismatch", "untagged", "non2xx" }) do
      s[name] = bench_sum(name)
   end
   -- Flows started but neither signed in nor failed: in flight or queued at the end.
   local open = s.starts_ok - s.signins - s.inbox_failed - s.verify_failed - s.verify_mismatch
   bench_report(summary, latency, {
      { "signins", s.signins },
      { "signins_per_s", string.format("%.1f", s.signins / secs) },
      { "starts_ok", s.starts_ok },
      { "inbox_reads", s.inbox_reads },
      { "inbox_empty", s.inbox_empty },
      { "verifies_sent", s.verifies_sent },
      { "failed", s.start_failed + s.inbox_failed + s.verify_failed },
      { "mismatch", s.verify_mismatch },
      { "untagged", s.untagged },
      { "non2xx", s.non2xx },
      { "open_flows", open },
   })
end
