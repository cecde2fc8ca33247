-- wrk scenario "token issue": POST /v1/session/token with the Cookie header given to wrk
-- with -H (each request signs a new EdDSA access token).

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

wrk.method = "POST"

function done(summary, latency, requests)
   bench_report(summary, latency)
end
