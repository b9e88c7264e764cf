-- Dripline response filter for lighttpd's mod_magnet, attached with
-- magnet.attract-response-start-to. When the authorizer allowed the
-- request, it adds the quota figures the authorizer computed to the
-- upstream's response. Denials carry their own headers.

local r = lighty.r
local limit = r.req_env["DRIPLINE_RATELIMIT_LIMIT"]

if limit ~= nil and limit ~= "" then
  r.resp_header["X-RateLimit-Limit"] = limit
  r.resp_header["X-RateLimit-Remaining"] =
    r.req_env["DRIPLINE_RATELIMIT_REMAINING"]
  r.resp_header["X-RateLimit-Reset"] = r.req_env["DRIPLINE_RATELIMIT_RESET"]
end

return 0
