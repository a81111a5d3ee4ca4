-- wrk script for bench/booking.py: each thread replays its own file of pre-signed requests.
-- A line is: timestamp \t nonce \t signature \t JSON body (or, for reads, just a path).
-- args: <file prefix> <api key> <mode: book|read>
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  prefix, key, mode = args[1], args[2], args[3]
  reqs = {}
  ok, rejected, other, spent = 0, 0, 0, 0
  idx = 0
  if mode == "read" then
    for line in io.lines(prefix) do
      table.insert(reqs, wrk.format("GET", line))
    end
    return
  end
  for line in io.lines(prefix .. "." .. tid .. ".txt") do
    local ts, nonce, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {
      ["Content-Type"] = "application/json",
      ["X-Api-Key"] = key,
      ["X-Timestamp"] = ts,
      ["X-Nonce"] = nonce,
      ["X-Signature"] = sig,
    }
    table.insert(reqs, wrk.format("POST", "/api/v1/ticketing/partner/orders", headers, body))
  end
end

function request()
  idx = idx + 1
  if mode == "read" then
    return reqs[(idx - 1) % #reqs + 1]
  end
  if idx > #reqs then
    spent = spent + 1
    idx = #reqs  -- out of fresh requests: the repeat is refused as a replay and counted as "other"
  end
  return reqs[idx]
end

function response(status, headers, body)
  if status == 201 or (mode == "read" and status == 200) then
    ok = ok + 1
  elseif status == 409 then
    rejected = rejected + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t_ok, t_rej, t_other, t_spent = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    t_ok = t_ok + thread:get("ok")
    t_rej = t_rej + thread:get("rejected")
    t_other = t_other + thread:get("other")
    t_spent = t_spent + thread:get("spent")
  end
  local e = summary.errors
  io.write(string.format(
    "WRKRESULT requests=%d duration_us=%d ok=%d rejected=%d other=%d spent=%d p50_us=%d p95_us=%d p99_us=%d "
      .. "max_us=%d connect_err=%d read_err=%d write_err=%d timeout=%d\n",
    summary.requests, summary.duration, t_ok, t_rej, t_other, t_spent,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout))
end
