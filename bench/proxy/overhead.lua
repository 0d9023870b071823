-- wrk script: same request as chat.lua, plus a response() hook that collects
-- the x-semrouter-overhead-us header (router time excluding the upstream) in a
-- per-thread histogram; done() merges them and prints
-- OVERHEAD_ROW n p50_us p90_us p99_us max_us missing
-- response() costs wrk time, so this runs separately from the throughput runs.
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
wrk.body = '{"model":"auto","messages":[{"role":"system","content":"You are terse."},'
  .. '{"role":"user","content":"Write a two-line poem about a router that reads every prompt."}],'
  .. '"max_tokens":64}'

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

hist = {}     -- overhead value (us) -> count, per thread
missing = 0   -- responses without the header

function response(status, headers, body)
  local v = headers["x-semrouter-overhead-us"] or headers["X-Semrouter-Overhead-Us"]
  if v == nil then
    for k, val in pairs(headers) do
      if string.lower(k) == "x-semrouter-overhead-us" then v = val end
    end
  end
  local n = tonumber(v)
  if n == nil then
    missing = missing + 1
  else
    hist[n] = (hist[n] or 0) + 1
  end
end

done = function(summary, latency, requests)
  local merged, keys, total, miss = {}, {}, 0, 0
  for _, t in ipairs(threads) do
    for v, c in pairs(t:get("hist")) do
      if merged[v] == nil then table.insert(keys, v) end
      merged[v] = (merged[v] or 0) + c
      total = total + c
    end
    miss = miss + t:get("missing")
  end
  table.sort(keys)
  local function pct(p)
    if total == 0 then return 0 end
    local want, seen = math.ceil(total * p / 100), 0
    for _, v in ipairs(keys) do
      seen = seen + merged[v]
      if seen >= want then return v end
    end
    return keys[#keys]
  end
  io.write(string.format("OVERHEAD_ROW %d %d %d %d %d %d\n", total, pct(50), pct(90), pct(99),
    total > 0 and keys[#keys] or 0, miss))
end
