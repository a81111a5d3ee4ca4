-- wrk script for bench/gates.py: each thread is one gate device replaying its own file of QR tokens.
-- A line is one token; the body carries the gate's clock (unix seconds) at send time.
-- args: <file prefix> <comma-separated device keys, one per thread>
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local prefix = args[1]
  local keys = {}
  for k in string.gmatch(args[2], "[^,]+") do table.insert(keys, k) end
  key = keys[(tid % #keys) + 1]
  tokens = {}
  for line in io.lines(prefix .. "." .. tid .. ".txt") do
    table.insert(tokens, line)
  end
  admitted, refused, errors, spent = 0, 0, 0, 0
  idx = 0
  headers = {["Content-Type"] = "application/json", ["X-Api-Key"] = key}
end

function request()
  idx = idx + 1
  if idx > #tokens then
    spent = spent + 1
    idx = 1  -- out of fresh tokens: wrap around (every repeat is refused as used)
  end
  local body = '{"type":"qr","value":"' .. tokens[idx] .. '","clock":' .. os.time() .. '}'
  return wrk.format("POST", "/api/v1/access/scan", headers, body)
end

function response(status, hdrs, body)
  if status == 200 then
    if string.find(body, '"admit": true', 1, true) then
      admitted = admitted + 1
    else
      refused = refused + 1
    end
  else
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local t_adm, t_ref, t_err, t_spent = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    t_adm = t_adm + thread:get("admitted")
    t_ref = t_ref + thread:get("refused")
    t_err = t_err + thread:get("errors")
    t_spent = t_spent + thread:get("spent")
  end
  local e = summary.errors
  io.write(string.format(
    "WRKRESULT requests=%d duration_us=%d admitted=%d refused=%d errors=%d spent=%d p50_us=%d p95_us=%d "
      .. "p99_us=%d max_us=%d connect_err=%d read_err=%d write_err=%d timeout=%d status_err=%d\n",
    summary.requests, summary.duration, t_adm, t_ref, t_err, t_spent,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
