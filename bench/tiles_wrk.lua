-- wrk script of the tiles bench (bench/tiles_load.py): cycles over the paths in the file WRK_PATHS,
-- each thread from its own offset, with "Accept-Encoding: gzip" when WRK_GZIP is set; with WRK_PASSES
-- a thread stops after that many whole passes over the paths (so its latencies are of every tile
-- alike, as the SQL floor's are), else when wrk's duration ends; at the end
-- prints one line "BENCH-JSON {...}" with requests, seconds, p50/p95 (µs), statuses and max body size.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local gzip = os.getenv("WRK_GZIP") == "1"
local passes = tonumber(os.getenv("WRK_PASSES") or "")
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7)
  table.insert(threads, thread)
end

function init(args)
  n = offset
  counts = {}
  max_bytes = 0
  headers = gzip and {["Accept-Encoding"] = "gzip"} or {}
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], headers)
end

function response(status, _headers, body)
  counts[status] = (counts[status] or 0) + 1
  answered = (answered or 0) + 1
  if passes and answered >= passes * #paths then wrk.thread:stop() end
  if body and #body > max_bytes then max_bytes = #body end
end

function done(summary, latency, _requests)
  local merged, biggest = {}, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      merged[tostring(status)] = (merged[tostring(status)] or 0) + count
    end
    biggest = math.max(biggest, thread:get("max_bytes"))
  end
  local errors = summary.errors
  if errors.timeout > 0 then merged["timeout"] = errors.timeout end
  local failed = errors.connect + errors.read + errors.write
  if failed > 0 then merged["error"] = failed end
  local parts = {}
  for status, count in pairs(merged) do parts[#parts + 1] = string.format('"%s": %d', status, count) end
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "seconds": %.6f, "p50_us": %d, "p95_us": %d, "statuses": {%s}, "max_bytes": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    table.concat(parts, ", "), biggest))
end
