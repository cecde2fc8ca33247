-- wrk scenario "session check": GET /v1/session with the Cookie header given to wrk
-- with -H (a static request; this script only adds the result line).

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function done(summary, latency, requests)
   bench_report(summary, latency)
end
