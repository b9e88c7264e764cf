-- wrk script for bench/run.sh: metered chat completions, each with the
-- next API key of a file, so that load spreads over many users and no
-- user reaches a quota. Usage:
--
--   wrk -s bench/wrk-keys.lua URL -- KEYFILE [MAX_KEYS]
--
-- Each wrk thread reads the first MAX_KEYS keys (default all) and starts
-- at a random one. At the end one line of key=value pairs goes to
-- stdout; latencies are in milliseconds, and not_2xx counts responses
-- with a status outside 200-399, which wrk also counts as errors.

local body = '{"model":"bench","messages":[{"role":"user","content":"hi"}]}'
local threads = {}
local keys = {}
local next_key = 1

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local max = tonumber(args[2] or "0")
  if path == nil then
    error("wrk-keys.lua: pass the key file after --")
  end
  for line in io.lines(path) do
    if line ~= "" then
      keys[#keys + 1] = line
      if max > 0 and #keys >= max then
        break
      end
    end
  end
  if #keys == 0 then
    error("wrk-keys.lua: no keys in " .. path)
  end
  -- Start each thread at a random key, so threads send different keys.
  math.randomseed(os.time() + 7919 * thread_index)
  next_key = math.random(#keys)
end

function request()
  local key = keys[next_key]
  next_key = next_key % #keys + 1
  return wrk.format("POST", "/v1/chat/completions", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }, body)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "requests=%d seconds=%.3f rate=%.1f p50_ms=%.3f p90_ms=%.3f " ..
    "p99_ms=%.3f p999_ms=%.3f max_ms=%.3f errors=%d timeouts=%d " ..
    "not_2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency:percentile(99.9) / 1e3,
    latency.max / 1e3, errors.connect + errors.read + errors.write,
    errors.timeout, errors.status))
end
