-- wrk script: POST one small chat completion (model "auto") on every request
-- and print one machine-readable line at the end, read by bench/proxy/run.sh:
-- WRK_ROW requests duration_us rps p50_us p90_us p99_us max_us socket_errors non_2xx
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
wrk.body = '{"model":"auto","messages":[{"role":"system","content":"You are terse."},'
  .. '{"role":"user","content":"Write a two-line poem about a router that reads every prompt."}],'
  .. '"max_tokens":64}'

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_ROW %d %d %.1f %d %d %d %d %d %d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
