-- wrk script for bench/shop.py: every request is a shop checkout by a new member.
-- The phone number is made from the thread, the run and a counter: 1 <3 + thread> <run> <8 digits>,
-- so no two requests of a run, nor of two runs, come from the same member.
-- args: <run digit 0-9> <body before the phone> <body after the phone>
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  run, before, after = tonumber(args[1]), args[2], args[3]
  headers = {["Content-Type"] = "application/json"}
  ok, refused, other = 0, 0, 0
  n = 0
end

function request()
  n = n + 1
  local phone = string.format("1%d%d%08d", 3 + tid, run, n)
  return wrk.format("POST", "/api/v1/shop/checkout", headers, before .. phone .. after)
end

function response(status, headers, body)
  if status == 201 then
    ok = ok + 1
  elseif status == 409 and body and string.find(body, 'out_of_stock', 1, true) then
    refused = refused + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t_ok, t_refused, t_other = 0, 0, 0
  for _, thread in ipairs(threads) do
    t_ok = t_ok + thread:get("ok")
    t_refused = t_refused + thread:get("refused")
    t_other = t_other + thread:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    "WRKRESULT requests=%d duration_us=%d ok=%d refused=%d other=%d p50_us=%d p95_us=%d p99_us=%d "
      .. "max_us=%d connect_err=%d read_err=%d write_err=%d timeout=%d\n",
    summary.requests, summary.duration, t_ok, t_refused, t_other,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout))
end
