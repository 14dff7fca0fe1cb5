-- wrk script: counts responses that are not 200 with exactly the body in the environment
-- variable WANT_BODY, and prints "bad responses: N of M" at the end (one Lua state per wrk
-- thread, so the counts are gathered from each).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  want = os.getenv("WANT_BODY")
  bad = 0
end

function response(status, headers, body)
  if status ~= 200 or body ~= want then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
  end
  io.write(string.format("bad responses: %d of %d\n", total, summary.requests))
end
